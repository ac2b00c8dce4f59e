//! What templates render to: substitution, escaping, raw, paths, if, for.

use serde_json::json;

use super::render;
use crate::template::escape_html;

#[test]
fn substitutes_variables_with_flexible_spacing() {
    let context = json!({ "name": "Ada", "city": "London" });
    assert_eq!(render("Hello, {{ name }}!", context.clone()), "Hello, Ada!");
    assert_eq!(
        render("{{name}} in {{city}}", context.clone()),
        "Ada in London"
    );
    assert_eq!(render("{{   name\n\t}}", context.clone()), "Ada");
    assert_eq!(render("no tags at all", context.clone()), "no tags at all");
    assert_eq!(render("", context), "");
}

#[test]
fn escapes_each_of_the_five_characters() {
    for (raw, escaped) in [
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("\"", "&quot;"),
        ("'", "&#39;"),
    ] {
        assert_eq!(render("{{ v }}", json!({ "v": raw })), escaped);
        assert_eq!(escape_html(raw), escaped);
    }
}

#[test]
fn escapes_hostile_values() {
    let hostile = "<script>alert(\"pwned\") && 'x'</script>";
    let output = render("<p title=\"{{ v }}\">{{ v }}</p>", json!({ "v": hostile }));
    let escaped = "&lt;script&gt;alert(&quot;pwned&quot;) &amp;&amp; &#39;x&#39;&lt;/script&gt;";
    assert_eq!(output, format!("<p title=\"{escaped}\">{escaped}</p>"));
    assert!(!output.contains("<script"));
    // Multi-byte text around the special characters survives intact.
    assert_eq!(render("{{ v }}", json!({ "v": "é<日>ü" })), "é&lt;日&gt;ü");
}

#[test]
fn raw_prints_without_escaping() {
    let context = json!({ "html": "<b>bold</b> & \"quoted\"" });
    assert_eq!(
        render("{{ raw html }}", context.clone()),
        "<b>bold</b> & \"quoted\""
    );
    assert_eq!(
        render("{{raw html}}", context.clone()),
        "<b>bold</b> & \"quoted\""
    );
    // The same value without `raw` is escaped.
    assert_eq!(
        render("{{ html }}", context),
        "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"
    );
}

#[test]
fn string_literals_print_delimiters() {
    let empty = json!({});
    assert_eq!(render("{{ \"{{\" }} name }}", empty.clone()), "{{ name }}");
    assert_eq!(render("{{ \"{%\" }}", empty.clone()), "{%");
    assert_eq!(render(r#"{{ "a\"b\\c" }}"#, empty.clone()), "a&quot;b\\c");
    assert_eq!(render(r#"{{ "<i>" }}"#, empty.clone()), "&lt;i&gt;");
    assert_eq!(render(r#"{{ raw "<i>" }}"#, empty.clone()), "<i>");
    assert_eq!(render(r#"{{ "}}" }}"#, empty), "}}");
}

#[test]
fn prints_numbers_booleans_and_null() {
    let context =
        json!({ "n": 42, "neg": -3, "f": 1.5, "yes": true, "no": false, "nothing": null });
    assert_eq!(
        render("{{n}} {{neg}} {{f}} {{yes}} {{no}} [{{nothing}}]", context),
        "42 -3 1.5 true false []"
    );
}

#[test]
fn dotted_paths_reach_fields_and_list_items() {
    let context = json!({
        "msg": { "name": "Bob", "author": { "email": "b@example.com" } },
        "xs": ["zero", "one"],
        "ms": [{ "name": "first" }, { "name": "second" }],
        "numbered": { "0": "key zero" },
    });
    assert_eq!(render("{{ msg.name }}", context.clone()), "Bob");
    assert_eq!(
        render("{{ msg.author.email }}", context.clone()),
        "b@example.com"
    );
    assert_eq!(render("{{ xs.0 }}/{{ xs.1 }}", context.clone()), "zero/one");
    assert_eq!(render("{{ ms.1.name }}", context.clone()), "second");
    assert_eq!(render("{{ numbered.0 }}", context), "key zero");
}

#[test]
fn if_else_and_not() {
    let source = "{% if user %}Hi {{ user.name }}{% else %}Please log in{% endif %}";
    assert_eq!(
        render(source, json!({ "user": { "name": "Ada" } })),
        "Hi Ada"
    );
    assert_eq!(render(source, json!({ "user": null })), "Please log in");

    let negated = "{% if not done %}todo{% else %}done{% endif %}";
    assert_eq!(render(negated, json!({ "done": false })), "todo");
    assert_eq!(render(negated, json!({ "done": true })), "done");

    // Without else, a false condition renders nothing.
    assert_eq!(
        render("a{% if no %}b{% endif %}c", json!({ "no": false })),
        "ac"
    );
    // Conditions can be dotted paths.
    assert_eq!(
        render(
            "{% if m.email %}@{% endif %}",
            json!({ "m": { "email": "x@y.z" } })
        ),
        "@"
    );
}

#[test]
fn truthiness_follows_the_documented_rules() {
    let falsy = [
        json!(false),
        json!(null),
        json!(""),
        json!(0),
        json!(0.0),
        json!([]),
        json!({}),
    ];
    let truthy = [
        json!(true),
        json!(" "),
        json!("0"),
        json!(1),
        json!(-1),
        json!(0.5),
        json!([0]),
        json!({ "a": null }),
    ];
    let source = "{% if v %}T{% else %}F{% endif %}{% if not v %}!{% endif %}";
    for value in falsy {
        assert_eq!(
            render(source, json!({ "v": value })),
            "F!",
            "{value} should be false"
        );
    }
    for value in truthy {
        assert_eq!(
            render(source, json!({ "v": value })),
            "T",
            "{value} should be true"
        );
    }
}

#[test]
fn for_over_objects_with_loop_counters() {
    let context = json!({
        "messages": [
            { "name": "Ada", "text": "hi" },
            { "name": "<Bob>", "text": "yo" },
            { "name": "Cy", "text": "hey" },
        ]
    });
    let source = "<ul>{% for m in messages %}<li>{{ loop.index }}/{{ loop.length }} \
                  {{ m.name }}: {{ m.text }}{% if loop.first %} (first){% endif %}\
                  {% if loop.last %} (last){% endif %}</li>{% endfor %}</ul>";
    assert_eq!(
        render(source, context),
        "<ul><li>1/3 Ada: hi (first)</li><li>2/3 &lt;Bob&gt;: yo</li>\
         <li>3/3 Cy: hey (last)</li></ul>"
    );
}

#[test]
fn nested_for_sees_outer_variables_and_inner_counters() {
    let context = json!({
        "sep": "-",
        "rows": [ { "cells": [1, 2] }, { "cells": [3] } ],
    });
    let source = "{% for row in rows %}[{{ loop.index }}:\
                  {% for cell in row.cells %}{{ loop.index }}={{ cell }}{{ sep }}{% endfor %}\
                  {{ loop.index }}]{% endfor %}";
    // Inside the inner loop `loop` is the inner loop's; after it, the outer's again.
    assert_eq!(render(source, context), "[1:1=1-2=2-1][2:1=3-2]");
}

#[test]
fn loop_variable_shadows_outer_names_only_inside_the_loop() {
    let context = json!({ "x": "outer", "xs": [1, 2] });
    assert_eq!(
        render("{% for x in xs %}{{ x }},{% endfor %}{{ x }}", context),
        "1,2,outer"
    );
}

#[test]
fn empty_for_renders_its_else_part() {
    let source = "{% for m in ms %}<p>{{ m }}</p>{% else %}<p>No messages.</p>{% endfor %}";
    assert_eq!(render(source, json!({ "ms": [] })), "<p>No messages.</p>");
    assert_eq!(
        render(source, json!({ "ms": ["a", "b"] })),
        "<p>a</p><p>b</p>"
    );
    // Without else, an empty list renders nothing.
    assert_eq!(
        render("[{% for m in ms %}x{% endfor %}]", json!({ "ms": [] })),
        "[]"
    );
}

#[test]
fn blocks_may_nest_up_to_the_limit() {
    let depth = crate::template::parse::MAX_DEPTH;
    let source = format!(
        "{}x{}",
        "{% if a %}".repeat(depth),
        "{% endif %}".repeat(depth)
    );
    assert_eq!(render(&source, json!({ "a": true })), "x");
}

#[test]
fn multi_byte_text_next_to_tags_is_kept() {
    let context = json!({ "name": "Zoë" });
    assert_eq!(
        render("é{{name}}日{%if name%}ü{%endif%}語", context),
        "éZoë日ü語"
    );
}
