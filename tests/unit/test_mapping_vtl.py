"""Velocity mapping templates (helpers.gateway.mapping.vtl): $input, $util, $context,
$stageVariables, Velocity 1.7 rules, the AWS documentation examples, overrides, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers.gateway.mapping import java
from helpers.gateway.mapping.vtl import (
    MAX_TEMPLATE_BYTES,
    TemplateError,
    TemplateInput,
    literal,
    render,
)

BODY = json.dumps(
    {
        "name": "O'Brien",
        "pets": [
            {"id": 1, "type": "dog", "price": 249.99},
            {"id": 2, "type": "cat", "price": 124.99},
        ],
        "flag": True,
        "nothing": None,
        "obj": {"a": 1, "b": [{"c": 5}], "s": "x"},
        "big": 12345678.0,
        "count": 3,
    }
)
CONTEXT = {
    "requestId": "c0ffee00-0000-4000-8000-000000000001",
    "httpMethod": "POST",
    "stage": "prod",
    "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest", "caller": None},
    "authorizer": {"principalId": "user-1", "numKey": "1", "claims": {"sub": "abc"}},
}
STAGE = {"color": "blue", "with-dash": "dashed"}


def run(template: str, body: str = BODY, **inp: Any) -> str:
    return render(
        template,
        TemplateInput(
            body,
            inp.get("path", {"id": "abc"}),
            inp.get("querystring", {"q": "1", "id": "from-query", "name": "qs"}),
            inp.get("header", {"Content-Type": "application/json", "X-Up": "v", "id": "h"}),
        ),
        context=CONTEXT,
        stage_variables=STAGE,
    ).text


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # $input.body / json / path
        ("$input.body", BODY),
        ("$input.json('$')", json.dumps(json.loads(BODY), separators=(",", ":"))),
        ("$input.json('$.pets[0]')", '{"id":1,"type":"dog","price":249.99}'),
        ("$input.json('$.name')", '"O\'Brien"'),
        ("$input.json('$.pets[*].id')", "[1,2]"),
        ("$input.json('$.missing')", "null"),
        ("$input.path('$.name')", "O'Brien"),
        ("$input.path('$.pets').size()", "2"),
        ("$input.path('$.pets')[1].type", "cat"),
        ("$input.path('$.pets').get(0).price", "249.99"),
        ("$input.path('$.flag')", "true"),
        ("[$input.path('$.nothing')]", "[]"),
        ("[$input.path('$.missing')]", "[]"),
        ("$input.path('$.obj')", '{a=1, b=[{"c":5}], s=x}'),  # Java map, JSON array
        ("$input.path('$.obj.b')", '[{"c":5}]'),
        ("$input.path('$.big')", "1.2345678E7"),
        ("$input.path('$.count')", "3"),
        ("#foreach($k in $input.path('$.obj').keySet())$k;#end", "a;b;s;"),
        ("$input.path('$.pets[?(@.price > 200)].type')", '["dog"]'),
        # $input.params
        ("$input.params('id')", "abc"),  # path first
        ("$input.params('q')", "1"),  # then query string
        ("$input.params('x-up')", "v"),  # then header, any case
        ("[$input.params('absent')]", "[]"),
        ("$input.params().path.id", "abc"),
        ("$input.params().querystring.get('name')", "qs"),
        ("$input.params().header.get('x-up')", "v"),
        ("#foreach($t in $input.params().keySet())$t #end", "path querystring header "),
        # $util
        ("$util.escapeJavaScript($input.path('$.name'))", "O\\'Brien"),
        ("$util.escapeJavaScript('say \"hi\"/\\n')", 'say \\"hi\\"\\/\\\\n'),
        ("$util.escapeJavaScript('café 🐍')", "caf\\u00E9 \\uD83D\\uDC0D"),
        ("[$util.escapeJavaScript($nothing)]", "[]"),
        ("$util.urlEncode('a b&c~*é')", "a+b%26c%7E*%C3%A9"),
        ("$util.urlDecode('a+b%26c')", "a b&c"),
        ("$util.base64Encode('héllo')", "aMOpbGxv"),
        ("$util.base64Decode('aMOpbGxv')", "héllo"),
        (
            "#set($o = $util.parseJson('{\"k\":{\"arr\":[1,2,3]}}'))$o.k.arr[0] $o.k.arr",
            "1 [1,2,3]",
        ),
        # $context and $stageVariables
        ("$context.requestId", "c0ffee00-0000-4000-8000-000000000001"),
        ("$context.identity.sourceIp", "203.0.113.7"),
        ("[$context.identity.caller]", "[]"),
        ("$context.authorizer.principalId $context.authorizer.numKey", "user-1 1"),
        ("$context.authorizer.claims.sub", "abc"),
        ("[$context.no.such.thing]", "[]"),
        ("$stageVariables.color", "blue"),
        ("$stageVariables['with-dash']", "dashed"),
        ("${stageVariables['color']}", "blue"),
        ("[$stageVariables.absent]", "[]"),
    ],
)
def test_variables(template: str, expected: str) -> None:
    assert run(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # directives
        ("#set($x = 'v')$x", "v"),
        ("#if($input.path('$.count') > 2)big#elseif($x)mid#else small#end", "big"),
        ("#if($input.path('$.count') < 2)big#elseif($input.path('$.flag'))mid#end", "mid"),
        ("#foreach($i in [1..3])$i#if($foreach.hasNext),#end#end", "1,2,3"),
        ("#foreach($i in ['a', 'b'])$foreach.index:$velocityCount#end", "0:11:2"),
        ("#foreach($v in {'a': 1, 'b': 2})$v#end", "12"),  # a map iterates its values
        # Velocity 1.7 truth and comparison
        ("#if('')empty-is-true#end", "empty-is-true"),
        ("#if(0)zero-is-true#end", "zero-is-true"),
        ("#if(!$undefined)undefined-is-false#end", "undefined-is-false"),
        ("#if($input.params('q') == 1)string-equals-number#end", "string-equals-number"),
        ("#if($undefined == $alsoUndefined)null-equals-null#end", "null-equals-null"),
        ("#set($s = 'a' + 1)$s", "a1"),
        ("#set($d = 7 / 2)$d #set($n = -7 / 2)$n", "3 -3"),
        # printing
        ("#set($b = true)$b", "true"),
        ("#set($l = [1, 'a'])$l", "[1, a]"),  # a Java list, not JSON
        ("#set($m = {'k': 'v'})$m", "{k=v}"),
        ("$!undefined.", "."),
        ("costs $5", "costs $5"),
        # Java string methods
        ("#set($s = '  Hi There  ')$s.trim()|$s.length()", "Hi There|12"),
        ("#set($s = 'Hi There')$s.toLowerCase() $s.toUpperCase()", "hi there HI THERE"),
        ("#set($s = 'Hi There')$s.substring(3) $s.substring(0, 2)", "There Hi"),
        ("#set($s = 'a,b,,')$s.split(',').size()", "2"),  # Java drops trailing empties
        ("#set($s = 'a1b22c')$s.split('\\d+').size()", "3"),  # split takes a regex
        (
            "#set($s = 'Hi')$s.equals('Hi') $s.equalsIgnoreCase('hI') $s.isEmpty()",
            "true true false",
        ),
        ("#set($s = 'Hi')$s.contains('i') $s.startsWith('H') $s.endsWith('x')", "true true false"),
        ("#set($s = 'a-b-c')$s.replaceAll('-', '+') $s.replaceFirst('-', '')", "a+b+c ab-c"),
        ("#set($s = 'John Smith')$s.replaceAll('(\\w+) (\\w+)', '$2, $1')", "Smith, John"),
        ("#set($s = 'abc')$s.matches('[a-c]+') $s.matches('b')", "true false"),
        ("#set($s = 'abc')$s.indexOf('c') $s.charAt(1)", "2 b"),
        # map and list methods
        ("#set($m = {})#set($prev = $m.put('a', 1))$m.size() $m.containsKey('a')", "1 true"),
        (
            "#set($l = [])#set($ok = $l.add('x'))$l.size() $l.contains('x') $l.isEmpty()",
            "1 true false",
        ),
    ],
)
def test_velocity(template: str, expected: str) -> None:
    assert run(template) == expected


def test_aws_escape_javascript_quirk_and_fix() -> None:
    """escapeJavaScript turns ' into \\' (not valid JSON); the DG's fix is
    .replaceAll("\\\\'","'"), whose regex reaches Java with both backslashes."""
    quirky = '{"name": "$util.escapeJavaScript($input.path(\'$.name\'))"}'
    with pytest.raises(ValueError):
        json.loads(run(quirky))
    fixed = '{"name": "$util.escapeJavaScript($input.path(\'$.name\')).replaceAll("\\\\\'","\'")"}'
    assert json.loads(run(fixed)) == {"name": "O'Brien"}


PETSTORE_TEMPLATE = """#set($inputRoot = $input.path('$'))
[
#foreach($elem in $inputRoot)
  {
    "description" : "Item $elem.id is a $elem.type.",
    "askingPrice" : $elem.price
  }#if($foreach.hasNext),#end

#end
]"""


def test_petstore_array_example() -> None:
    """DG models-mappings: the PetStore GET /pets response template."""
    pets = [
        {"id": 1, "type": "dog", "price": 249.99},
        {"id": 2, "type": "cat", "price": 124.99},
        {"id": 3, "type": "fish", "price": 0.99},
    ]
    assert json.loads(run(PETSTORE_TEMPLATE, json.dumps(pets))) == [
        {"description": "Item 1 is a dog.", "askingPrice": 249.99},
        {"description": "Item 2 is a cat.", "askingPrice": 124.99},
        {"description": "Item 3 is a fish.", "askingPrice": 0.99},
    ]


def test_all_params_example() -> None:
    """DG api-gateway-mapping-template-reference: pass every parameter in a JSON body."""
    template = """#set($allParams = $input.params())
{
  "params" : {
    #foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
    "$type" : {
      #foreach($paramName in $params.keySet())
      "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
      #if($foreach.hasNext),#end
      #end
    }
    #if($foreach.hasNext),#end
    #end
  }
}"""
    out = run(template, header={"X-Quote": 'say "hi"'}, querystring={"q": "a b"})
    assert json.loads(out) == {
        "params": {
            "path": {"id": "abc"},
            "querystring": {"q": "a b"},
            "header": {"X-Quote": 'say "hi"'},
        }
    }


def test_things_example() -> None:
    """DG: $input.params, $input.path(...).size() and $input.json in one template."""
    template = """{
    "id" : "$input.params('id')",
    "count" : "$input.path('$.things').size()",
    "things" : $input.json('$.things')
}"""
    body = '{"things": {"1": {}, "2": {}, "3": {}}}'
    assert json.loads(run(template, body)) == {
        "id": "abc",
        "count": "3",
        "things": {"1": {}, "2": {}, "3": {}},
    }


def test_parse_json_example() -> None:
    """DG: $util.parseJson on a stringified errorMessage."""
    body = json.dumps({"errorMessage": json.dumps({"key1": "var1", "key2": {"arr": [1, 2, 3]}})})
    template = """#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))
{
   "errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]
}"""
    assert json.loads(run(template, body)) == {"errorMessageObjKey2ArrVal": 1}


@pytest.mark.parametrize(("body", "as_text"), [("", "{}"), ("   ", "   ")])
def test_an_empty_body_reads_as_an_empty_object(body: str, as_text: str) -> None:
    assert run("$input.json('$')|$input.body|[$input.path('$.x')]", body) == f"{{}}|{as_text}|[]"


def test_json_functions_on_a_body_that_is_not_json() -> None:
    assert run("$input.body", "not json") == "not json"
    for template in ("$input.json('$')", "$input.path('$.a')"):
        with pytest.raises(TemplateError, match="not JSON"):
            run(template, "not json")


def test_overrides_are_captured() -> None:
    out = render(
        "#set($context.responseOverride.status = 400)"
        "#set($context.responseOverride.header.X-Reason = 'bad ' + $input.params('q'))"
        "#set($context.requestOverride.header.X-Up = 'over')"
        "#set($context.requestOverride.querystring.page = 2)"
        "#set($context.requestOverride.path.id = 'p1')done",
        TemplateInput("{}", {}, {"q": "1"}, {}),
        context={},
        stage_variables={},
    )
    assert out.text == "done"
    assert out.overrides == {
        "request": {"header": {"X-Up": "over"}, "path": {"id": "p1"}, "querystring": {"page": "2"}},
        "response": {"status": 400, "header": {"X-Reason": "bad 1"}},
    }


def test_no_overrides() -> None:
    out = render("x", TemplateInput("", {}, {}, {}), context={}, stage_variables={})
    assert out.overrides == {
        "request": {"header": {}, "path": {}, "querystring": {}},
        "response": {"status": None, "header": {}},
    }


def test_a_null_template_renders_nothing() -> None:
    out = render(None, TemplateInput("{}", {}, {}, {}), context={}, stage_variables={})
    assert (out.text, out.overrides["response"]["status"]) == ("", None)


def test_the_callers_context_is_not_changed() -> None:
    context = {"identity": {"sourceIp": "1.2.3.4"}}
    render(
        "#set($context.identity.sourceIp = 'x')",
        TemplateInput("", {}, {}, {}),
        context=context,
        stage_variables={},
    )
    assert context == {"identity": {"sourceIp": "1.2.3.4"}}


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("#if($x)unclosed", "invalid mapping template"),
        ("#foreach($i in [1..1001])#end", "1000 iterations"),
        ("$input.json('$..[')", "invalid JSONPath"),
        ("$util.parseJson('{nope')", "not JSON"),
        ("$util.base64Decode('***')", "not base64"),
        ("#set($context.responseOverride.status = 'teapot')", "status code"),
        ("'abc'.substring(5)", None),  # plain text: no error
        ("#set($s = 'abc')$s.substring(5)", "out of range"),
    ],
)
def test_errors(template: str, message: str | None) -> None:
    if message is None:
        run(template)
        return
    with pytest.raises(TemplateError, match=message):
        run(template)


def test_foreach_up_to_the_limit_is_fine() -> None:
    assert run("#foreach($i in [1..1000])#end#set($ok = 1)$ok") == "1"


def test_template_size_limit() -> None:
    just = "x" * MAX_TEMPLATE_BYTES
    assert len(run(just)) == MAX_TEMPLATE_BYTES
    with pytest.raises(TemplateError, match="300 KB"):
        run(just + "x")


def test_templates_are_parsed_once() -> None:
    from helpers.gateway.mapping.engine import compile_template

    template = "#set($a = 1)cached $a"
    run(template)
    before = compile_template.cache_info().hits
    run(template)
    assert compile_template.cache_info().hits == before + 1


def test_airspeed_itself_is_untouched() -> None:
    import airspeed

    assert airspeed.Template("$x").merge({"x": True}) == "True"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (1.0, "1.0"),
        (0.001, "0.001"),
        (1e7, "1.0E7"),
        (1.5e-5, "1.5E-5"),
        (-2.5e20, "-2.5E20"),
        ({"a": [1, None], "b": {"c": False}}, "{a=[1, null], b={c=false}}"),
        (java.JsonArray([{"a": None}]), '[{"a":null}]'),
    ],
)
def test_java_string(value: Any, expected: str) -> None:
    assert java.java_string(value) == expected


@pytest.mark.parametrize(
    "template", ['{"statusCode": 200}', "", None, 'plain \\ text {"a": [1, 2]}\n  spaced  ']
)
def test_a_template_without_references_or_directives_is_copied(template: Any) -> None:
    plain = literal(template)
    ran = render(template, TemplateInput("{}", {}, {}, {}), context={}, stage_variables={})
    assert plain is not None
    assert (plain.text, plain.overrides) == (ran.text, ran.overrides)


@pytest.mark.parametrize("template", ["$input.body", "#set($x = 1)", "price: 5$", "## note"])
def test_a_template_with_references_or_directives_is_run(template: str) -> None:
    assert literal(template) is None
