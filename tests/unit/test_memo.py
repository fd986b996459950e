"""Values kept by the identity of what they were made from."""
from occi_pyramid.memo import KeptFor


def test_the_same_objects_get_the_kept_value():
    memo, made = KeptFor(10), []
    first, second = object(), object()

    def make():
        made.append(1)
        return len(made)

    assert memo.get((first, second), make) == 1
    assert memo.get((first, second), make) == 1
    # other objects, even equal ones, or another order: made again
    assert memo.get((second, first), make) == 2
    assert memo.get(([],), make) == 3
    assert memo.get(([],), make) == 4


def test_at_most_size_values_are_kept():
    memo = KeptFor(2)
    kept = [object() for _ in range(3)]
    for thing in kept:
        memo.get((thing,), lambda: 'value')
    assert len(memo._entries) == 1
    # a kept entry holds its objects: their ids stay theirs
    assert memo._entries[(id(kept[2]),)][0] == (kept[2],)
