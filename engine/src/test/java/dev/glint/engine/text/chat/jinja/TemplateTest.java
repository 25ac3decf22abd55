package dev.glint.engine.text.chat.jinja;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Jinja subset chat templates use, with the outputs Python Jinja2 (as transformers configures it) gives. */
class TemplateTest {
    private static String render(String template) {
        return render(template, Map.of());
    }

    private static String render(String template, Map<String, ?> variables) {
        return Template.parse(template).render(variables);
    }

    private static Object json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void trimBlocksDropsTheNewlineAfterABlockTagAndLstripBlocksTheIndentBeforeIt() {
        assertEquals("    a\nb\n", render("{% if true %}\n    a\n{% endif %}\n    {% if true %}\nb\n    {% endif %}\n\n"));
        assertEquals("x  y", render("x{# note #}  y"));
        assertEquals("  1\n", render("{% for i in [1] %}\n  {{ i }}\n{% endfor %}"), "output tags are never lstripped");
    }

    @Test
    void minusAndPlusMarkersControlWhitespaceExplicitly() {
        assertEquals("ab", render("a  \n {{- 'b' -}} \n "));
        assertEquals("a\n  b", render("a\n  {%+ if true %}b{% endif %}"), "+ keeps the indent lstrip_blocks would remove");
        assertEquals("a\nb", render("a{% if true +%}\nb{% endif %}"), "+ keeps the newline trim_blocks would remove");
        assertEquals("ab", render("a\n{#- comment -#}\nb"));
    }

    @Test
    void oneTrailingNewlineIsRemovedAndNewlinesAreNormalised() {
        assertEquals("a\n", render("a\n\n"));
        assertEquals("a\nb", render("a\r\nb\r\n"));
    }

    @Test
    void rawBlocksAreNotInterpreted() {
        assertEquals("{{ x }}{% if %}", render("{% raw %}{{ x }}{% if %}{% endraw %}"));
    }

    @Test
    void valuesPrintAsPythonStrPrintsThem() {
        assertEquals("None|True|False|1|1.5|1.0|1e+16|1e-05|0.0001",
                render("{{ none }}|{{ true }}|{{ False }}|{{ 1 }}|{{ 1.5 }}|{{ 2 / 2 }}|{{ 1e16 }}|{{ 0.00001 }}|{{ 0.0001 }}"));
        assertEquals("['a', 1, None, True]|{'k': 'v', 'n': [1.5]}|(1, 'x')|",
                render("{{ ['a', 1, none, true] }}|{{ {'k': 'v', 'n': [1.5]} }}|{{ (1, 'x') }}|{{ missing }}"));
        assertEquals("[\"it's\", 'a\\nb']", render("{{ [\"it's\", 'a\\nb'] }}"));
    }

    @Test
    void tojsonMatchesPythonJsonDumpsAsTransformersCallsIt() {
        Object value = json("{\"b\": [1, 2.5, true, null], \"a\": \"Zürich \\\"q\\\" \\n\\u0001 😀\", \"e\": {}}");
        assertEquals("{\"b\": [1, 2.5, true, null], \"a\": \"Zürich \\\"q\\\" \\n\\u0001 😀\", \"e\": {}}",
                render("{{ v | tojson }}", Map.of("v", value)));
        assertEquals("{\"b\": [1, 2.5, true, null], \"a\": \"Z\\u00fcrich \\\"q\\\" \\n\\u0001 \\ud83d\\ude00\", \"e\": {}}",
                render("{{ v | tojson(ensure_ascii=True) }}", Map.of("v", value)));
        assertEquals("{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}", render("{{ {'b': {}, 'a': [1]} | tojson(indent=2, sort_keys=true) }}"));
        assertEquals("{\"a\":1}", render("{{ {'a': 1} | tojson(separators=(',', ':')) }}"));
        assertEquals("\"<b>&</b>\"", render("{{ '<b>&</b>' | tojson }}"), "no HTML escaping, unlike Jinja2's own tojson");
    }

    @Test
    void stringMethodsBehaveAsPythons() {
        assertEquals("['a', '', 'b']|['a', 'b c']|['a', 'b', 'c']|['a b', 'c']",
                render("{{ 'a,,b'.split(',') }}|{{ 'a b c'.split(' ', 1) }}|{{ '  a\\tb\\n c '.split() }}|{{ 'a b c'.rsplit(' ', 1) }}"));
        assertEquals("x|xy\n|\nxy|b", render("{{ '\\n x \\t'.strip() }}|{{ 'xy\\n\\n'.rstrip('\\n') + '\\n' }}|"
                + "{{ '\\n' + 'xy'.lstrip('\\n') }}|{{ 'aba'.strip('a') }}"));
        assertEquals("True|True|False|True", render("{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|"
                + "{{ 'abc'.startswith('b') }}|{{ 'a</think>'.endswith('</think>') }}"));
        assertEquals("a-b-c|a-b c|ABC|abc|Hello World|Hello world|2|-1",
                render("{{ 'a b c'.replace(' ', '-') }}|{{ 'a b c'.replace(' ', '-', 1) }}|{{ 'abc'.upper() }}|"
                        + "{{ 'ABC'.lower() }}|{{ 'hello world'.title() }}|{{ 'hello World'.capitalize() }}|"
                        + "{{ 'abc'.find('c') }}|{{ 'abc'.find('z') }}"));
        assertEquals("b", render("{{ 'a</think>b'.split('</think>')[-1] }}"));
    }

    @Test
    void indexingAndSlicingCountCodePoints() {
        assertEquals("c|[3, 2, 1]|[2, 3]|bc|😀|ab|3", render("{{ 'abc'[-1] }}|{{ [1, 2, 3][::-1] }}|{{ [1, 2, 3][1:] }}|"
                + "{{ 'abc'[1:] }}|{{ 'a😀b'[1] }}|{{ 'a😀b'[::2] }}|{{ 'a😀b' | length }}"));
        assertEquals("", render("{{ [1][5] }}"), "an index past the end is undefined, not an error");
    }

    @Test
    void loopVariablesElseBreakContinueAndFilters() {
        assertEquals("0:1:3:T:F 1:2:2:F:F 2:3:1:F:T ", render("{% for x in 'abc' %}{{ loop.index0 }}:{{ loop.index }}:"
                + "{{ loop.revindex }}:{{ 'T' if loop.first else 'F' }}:{{ 'T' if loop.last else 'F' }} {% endfor %}"));
        assertEquals("empty", render("{% for x in [] %}x{% else %}empty{% endfor %}"));
        assertEquals("13", render("{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}"
                + "{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"));
        assertEquals("2-4;", render("{% for x in range(1, 5) if x is even %}{{ x }}{{ '-' if not loop.last else ';' }}{% endfor %}"));
        assertEquals("a=1 b=2 ", render("{% for k, v in d.items() %}{{ k }}={{ v }} {% endfor %}", Map.of("d", json("{\"a\": 1, \"b\": 2}"))));
        assertEquals("-b ac b- ", render("{% for x in 'abc' %}{{ loop.previtem | default('-') }}"
                + "{{ loop.nextitem | default('-') }} {% endfor %}"));
        assertEquals("odd even odd ", render("{% for x in [1, 2, 3] %}{{ loop.cycle('odd', 'even') }} {% endfor %}"));
    }

    @Test
    void setInsideALoopStaysLocalButNamespaceAttributesEscape() {
        assertEquals("outer 3", render("{% set x = 'outer' %}{% set ns = namespace(n=0) %}"
                + "{% for i in [1, 2, 3] %}{% set x = i %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ x }} {{ ns.n }}"));
        assertEquals("inner", render("{% if true %}{% set y = 'inner' %}{% endif %}{{ y }}"), "if blocks share the scope");
        assertEquals("1 2", render("{% set a, b = 1, 2 %}{{ a }} {{ b }}"));
        assertEquals("[x]", render("{% set block %}[{{ 'x' }}]{% endset %}{{ block }}"));
    }

    @Test
    void macrosTakeDefaultsAndKeywordsAndReturnStrings() {
        assertEquals("<a|b>|<c|d>|ENDS", render("{% macro tag(x, y='b') %}<{{ x }}|{{ y }}>{% endmacro %}"
                + "{{ tag('a') }}|{{ tag(y='d', x='c') }}|{{ 'ENDS' if tag('q').endswith('b>') }}"));
    }

    @Test
    void testsFollowPythonTypes() {
        String tests = "{{ [x is defined, x is none, x is string, x is mapping, x is iterable, x is number, x is integer,"
                + " x is boolean] | join(',') }}";
        assertEquals("False,False,False,False,True,False,False,False", render(tests));
        assertEquals("True,True,False,False,False,False,False,False", render(tests, java.util.Collections.singletonMap("x", null)));
        assertEquals("True,False,True,False,True,False,False,False", render(tests, Map.of("x", "s")));
        assertEquals("True,False,False,True,True,False,False,False", render(tests, Map.of("x", Map.of())));
        assertEquals("True,False,False,False,False,True,True,False", render(tests, Map.of("x", 3)));
        assertEquals("True,False,False,False,False,True,False,True", render(tests, Map.of("x", true)));
        assertEquals("True True False True", render("{{ 3 is divisibleby 3 }} {{ 2 is in [1, 2] }} {{ x is not defined and false }}"
                + " {{ false is sameas false }}"));
    }

    @Test
    void filtersChatTemplatesUse() {
        Object messages = json("[{\"role\": \"user\", \"n\": 2}, {\"role\": \"tool\", \"n\": 1}, {\"role\": \"user\", \"n\": 3}]");
        Map<String, Object> vars = Map.of("m", messages);
        assertEquals("3|user|user|user,tool,user|2|tool|user,tool", render("{{ m | length }}|{{ (m | first).role }}|"
                + "{{ (m | last).role }}|{{ m | map(attribute='role') | join(',') }}|{{ m | selectattr('role', 'equalto', 'user') | list | length }}|"
                + "{{ (m | sort(attribute='n') | first).role }}|{{ m | map(attribute='role') | unique | join(',') }}", vars));
        assertEquals("x|d|0|ab|6|3|1|[('a', 2), ('b', 1)]", render("{{ missing | default('x') }}|{{ '' | default('d', true) }}|"
                + "{{ 'z' | int }}|{{ ['a', 'b'] | join }}|{{ [1, 2, 3] | sum }}|{{ [3, 1] | max }}|{{ [3, 1] | min }}|"
                + "{{ {'b': 1, 'a': 2} | dictsort }}"));
        assertEquals("a\n  b\n\n  c|HI|cba|x", render("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ ' hi ' | trim | upper }}|"
                + "{{ 'abc' | reverse }}|{{ ' x ' | trim }}"));
    }

    @Test
    void pythonOperatorsAndComparisons() {
        assertEquals("True|True|False|True|3|1|-2|2.5|8|ab|a1|True|True", render("{{ 1 == 1.0 }}|{{ 'b' in 'abc' }}|"
                + "{{ 'k' not in {'k': 1} }}|{{ 'a' < 'b' }}|{{ 7 // 2 }}|{{ 7 % 3 }}|{{ -7 // 4 }}|{{ 5 / 2 }}|{{ 2 ** 3 }}|"
                + "{{ 'a' + 'b' }}|{{ 'a' ~ 1 }}|{{ [1] == [1] }}|{{ 1 < 2 < 3 }}"));
        assertEquals("", render("{{ 'x' if false }}"), "an if-expression without else is undefined when false");
        assertEquals("yes", render("{{ 'yes' if [0] and not {} else 'no' }}"));
    }

    /** JSON null reaches templates as None, e.g. a null content part: Jinja2 finds nothing in it and fails on using it. */
    @Test
    void lookingIntoNoneFindsNothingAndUsingItAsAnythingElseFails() {
        assertEquals("False|False|", render("{{ none.output is defined }}|{{ none['output'] is defined }}|{{ none.output }}"));
        for (String use : List.of("{{ 'a' in none }}", "{% for x in none %}{% endfor %}", "{{ none | length }}",
                "{{ none() }}", "{{ none | abs }}", "{{ 'a'.startswith(none) }}")) {
            TemplateException e = assertThrows(TemplateException.class, () -> render(use), use);
            assertTrue(e.detail().contains("NoneType"), use + " failed with: " + e.detail());
        }
        // Jinja2 prints nothing for a slice of anything it cannot slice; here that is an error, for None as for a number
        assertEquals("'NoneType' object is not subscriptable", assertThrows(TemplateException.class, () -> render("{{ none[1:] }}")).detail());
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessageAndLine() {
        TemplateRaisedException e = assertThrows(TemplateRaisedException.class,
                () -> render("line one\n{{ raise_exception('Conversation roles must alternate') }}"));
        assertEquals("Conversation roles must alternate", e.detail());
        assertEquals(2, e.line());
    }

    @Test
    void runtimeErrorsNameTheProblemAndLine() {
        TemplateException undefined = assertThrows(TemplateException.class, () -> render("\n\n{{ m.content.strip() }}"));
        assertEquals("'m' is undefined", undefined.detail());
        assertEquals(3, undefined.line());
        TemplateException items = assertThrows(TemplateException.class, () -> render("{{ s.items() }}", Map.of("s", "x")));
        assertEquals("'str object' has no attribute 'items'", items.detail());
        assertTrue(assertThrows(TemplateException.class, () -> render("{{ [1].append(2) }}")).detail().contains("unsafe"));
        assertThrows(TemplateException.class, () -> render("{{ 'a' + 1 }}"));
        assertThrows(TemplateException.class, () -> render("{{ range(1000000) | length }}"));
        assertThrows(TemplateException.class, () -> render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"));
        assertThrows(TemplateException.class, () -> render("{{ x | nosuchfilter }}"));
    }

    @Test
    void syntaxErrorsNameTheLine() {
        TemplateSyntaxException unclosed = assertThrows(TemplateSyntaxException.class, () -> Template.parse("a\n{% if x %}\nb"));
        assertTrue(unclosed.getMessage().contains("endif"), unclosed.getMessage());
        assertEquals(2, assertThrows(TemplateSyntaxException.class, () -> Template.parse("a\n{% include 'x' %}")).line());
        assertThrows(TemplateSyntaxException.class, () -> Template.parse("{{ 1 + }}"));
        assertThrows(TemplateSyntaxException.class, () -> Template.parse("{{ 'open }}"));
        assertThrows(TemplateSyntaxException.class, () -> Template.parse("{% endfor %}"));
        assertThrows(TemplateSyntaxException.class, () -> Template.parse("{% break %}"));
    }

    @Test
    void strftimeNowFormatsTodayWithPythonDirectives() {
        assertTrue(render("{{ strftime_now('%d %b %Y') }}").matches("\\d\\d [A-Z][a-z]{2} \\d{4}"));
    }
}
