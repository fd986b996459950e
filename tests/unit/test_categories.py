"""The merge of the static categories with the request's sources
(``request.categories``), kept while the sources give the same objects."""
from occi_pyramid import model
from occi_pyramid.categories import CategoryRegistry, merged_registry


def mixin(term):
    return model.Mixin('http://example.org/tpl#', term,
                       location='/tpl/%s/' % term)


def test_the_same_objects_get_the_same_merge():
    static = CategoryRegistry(model.CORE_KINDS + model.KINDS)
    templates, users = [mixin('a'), mixin('b')], [mixin('mine')]
    merged = merged_registry(static, [templates, users])
    assert [c.term for c in merged][-3:] == ['a', 'b', 'mine']
    assert merged.by_location('/tpl/b/') is templates[1]
    # other lists of the same objects: the same merge
    assert merged_registry(static, [list(templates), list(users)]) is merged


def test_new_objects_get_a_new_merge():
    static = CategoryRegistry(model.CORE_KINDS + model.KINDS)
    templates = [mixin('a')]
    merged = merged_registry(static, [templates, [mixin('mine')]])
    renamed = [model.Mixin('http://example.org/tpl#', 'mine',
                           title='now titled', location='/tpl/mine/')]
    again = merged_registry(static, [templates, renamed])
    assert again is not merged
    assert again.get('http://example.org/tpl#mine').title == 'now titled'
    # a source left out is another merge too
    assert merged_registry(static, [templates]).get(
        'http://example.org/tpl#mine') is None
