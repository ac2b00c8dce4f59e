//! Syntax and render errors, each with its exact line and column.

use serde_json::json;

use super::{assert_error, parse_error, render_error};
use crate::template::Template;

#[test]
fn unclosed_print_tag_points_at_its_opening() {
    let error = parse_error("Hello\n  {{ name");
    assert_error(&error, 2, 3, "`{{` is never closed");
}

#[test]
fn unclosed_block_tag_points_at_its_opening() {
    assert_error(&parse_error("ab {% if x"), 1, 4, "`{%` is never closed");
}

#[test]
fn unknown_tag() {
    assert_error(
        &parse_error("x\n{% include y %}"),
        2,
        1,
        "unknown tag `include`",
    );
}

#[test]
fn empty_tags() {
    assert_error(&parse_error("{% %}"), 1, 1, "empty tag");
    assert_error(&parse_error("x{{ }}"), 1, 2, "empty `{{ }}`");
}

#[test]
fn block_ends_without_a_block() {
    assert_error(
        &parse_error("a{% endif %}"),
        1,
        2,
        "without a matching `{% if %}`",
    );
    assert_error(
        &parse_error("{{ a }}\n\n   {% endfor %}"),
        3,
        4,
        "without a matching `{% for %}`",
    );
    assert_error(&parse_error("{% else %}"), 1, 1, "`{% else %}` outside");
}

#[test]
fn unclosed_blocks_point_at_the_opening_tag() {
    assert_error(
        &parse_error("<p>\n  {% if user %}\n hi"),
        2,
        3,
        "`{% if %}` is never closed",
    );
    assert_error(
        &parse_error("{% for x in xs %}{% if x %}{% endif %}"),
        1,
        1,
        "`{% for %}` is never closed",
    );
    // The inner loop is closed; the outer one is reported.
    assert_error(
        &parse_error("{% for a in b %}\n{% for c in d %}{% endfor %}"),
        1,
        1,
        "`{% for %}` is never closed",
    );
}

#[test]
fn mismatched_block_ends() {
    assert_error(
        &parse_error("{% if a %}\n{% endfor %}"),
        2,
        1,
        "the `{% if %}` at 1:1 is still open",
    );
    assert_error(
        &parse_error("{% for a in b %}{% endif %}"),
        1,
        17,
        "the `{% for %}` at 1:1 is still open",
    );
    assert_error(
        &parse_error("{% if a %}x{% else %}y{% else %}z{% endif %}"),
        1,
        23,
        "a second `{% else %}`",
    );
}

#[test]
fn bad_expressions_point_at_the_bad_token() {
    assert_error(
        &parse_error("{{ a + b }}"),
        1,
        6,
        "unexpected character `+`",
    );
    assert_error(&parse_error("{{ a. }}"), 1, 7, "after `.`, found `}}`");
    assert_error(
        &parse_error("{{ 1abc }}"),
        1,
        4,
        "`1abc` is not a valid variable name",
    );
    assert_error(&parse_error("{{ a.1b }}"), 1, 6, "`1b` is neither");
    assert_error(&parse_error("{{ a b }}"), 1, 6, "expected `}}`, found `b`");
    assert_error(&parse_error("{{ raw }}"), 1, 8, "after `raw`");
    assert_error(&parse_error("{{ name }"), 1, 9, "unexpected character `}`");
    assert_error(&parse_error("{{ .a }}"), 1, 4, "found `.`");
}

#[test]
fn closing_delimiter_must_match_the_opening_one() {
    assert_error(&parse_error("{{ a %}"), 1, 6, "must be closed with `}}`");
    assert_error(&parse_error("{% if a }}"), 1, 9, "must be closed with `%}`");
}

#[test]
fn broken_string_literals() {
    assert_error(&parse_error("{{ \"abc }}"), 1, 4, "string is never closed");
    assert_error(&parse_error(r#"{{ "a\n" }}"#), 1, 6, "unknown escape `\\n`");
}

#[test]
fn bad_block_tags() {
    assert_error(&parse_error("{% if %}"), 1, 1, "needs a condition");
    assert_error(&parse_error("{% if a b %}"), 1, 9, "unexpected `b`");
    assert_error(&parse_error("{% for x xs %}"), 1, 10, "expected `in`");
    assert_error(
        &parse_error("{% for loop in xs %}"),
        1,
        8,
        "`loop` is reserved",
    );
    assert_error(&parse_error("{% for x in %}"), 1, 13, "expected the list");
    assert_error(
        &parse_error("{% endif extra %}"),
        1,
        10,
        "unexpected `extra`",
    );
    assert_error(&parse_error("{% \"if\" %}"), 1, 4, "expected a tag name");
}

#[test]
fn nesting_deeper_than_the_limit_is_rejected() {
    let depth = crate::template::parse::MAX_DEPTH;
    let source = "{% if a %}\n".repeat(depth + 1);
    assert_error(&parse_error(&source), depth + 1, 1, "nested too deeply");
    // Hostile input far beyond the limit fails fast, without a stack overflow.
    let hostile = "{% for x in xs %}".repeat(100_000);
    assert_error(
        &parse_error(&hostile),
        1,
        depth * 17 + 1,
        "nested too deeply",
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    assert_error(&parse_error("é{{ ü }}"), 1, 5, "unexpected character `ü`");
    assert_error(
        &parse_error("日本\n語{% bogus %}"),
        2,
        2,
        "unknown tag `bogus`",
    );
}

#[test]
fn missing_variables_are_errors_at_their_use() {
    let context = json!({ "user": { "name": "Ada" } });
    let error = render_error("Hello {{ user.nmae }}!", context.clone());
    assert_error(&error, 1, 10, "`user.nmae` is not defined");
    assert_eq!(error.to_string(), "t.html:1:10: `user.nmae` is not defined");

    assert_error(
        &render_error("\n\n  {{ nope }}", context.clone()),
        3,
        6,
        "`nope` is not defined",
    );
    assert_error(
        &render_error("{% if user.admin %}x{% endif %}", context.clone()),
        1,
        7,
        "`user.admin` is not defined",
    );
    // Deeper paths name the first missing part.
    assert_error(
        &render_error("{{ user.address.city }}", context),
        1,
        4,
        "`user.address` is not defined",
    );
}

#[test]
fn errors_inside_loops_point_at_the_use_in_the_body() {
    let context = json!({ "ms": [{ "name": "a" }] });
    let error = render_error("{% for m in ms %}\n  {{ m.nope }}\n{% endfor %}", context);
    assert_error(&error, 2, 6, "`m.nope` is not defined");
}

#[test]
fn loop_counters_exist_only_inside_loops() {
    let context = json!({ "xs": [1] });
    assert_error(
        &render_error("{{ loop.index }}", context.clone()),
        1,
        4,
        "`loop` is not defined",
    );
    assert_error(
        &render_error(
            "{% for x in xs %}{{ loop.nope }}{% endfor %}",
            context.clone(),
        ),
        1,
        21,
        "`loop.nope` is not defined",
    );
    assert_error(
        &render_error("{% for x in xs %}{{ loop }}{% endfor %}", context),
        1,
        21,
        "not a value by itself",
    );
}

#[test]
fn wrong_kinds_of_values() {
    let context = json!({ "name": "Ada", "user": { "a": 1 }, "xs": [1, 2, 3], "n": null });
    assert_error(
        &render_error("{% for x in name %}{% endfor %}", context.clone()),
        1,
        13,
        "cannot loop over `name`: it is a string, not a list",
    );
    assert_error(
        &render_error("{% for x in n %}{% endfor %}", context.clone()),
        1,
        13,
        "it is null, not a list",
    );
    assert_error(
        &render_error("{{ user }}", context.clone()),
        1,
        4,
        "cannot print an object (`user`)",
    );
    assert_error(
        &render_error("{{ xs }}", context.clone()),
        1,
        4,
        "cannot print a list (`xs`)",
    );
    assert_error(
        &render_error("{{ xs.5 }}", context.clone()),
        1,
        4,
        "`xs` has 3 item(s)",
    );
    assert_error(
        &render_error("{{ xs.first }}", context.clone()),
        1,
        4,
        "`xs` is a list",
    );
    assert_error(
        &render_error("{{ name.len }}", context),
        1,
        4,
        "`name` is a string, which has no fields",
    );
}

#[test]
fn the_context_must_be_an_object() {
    let template = Template::parse("t.html", "hi").unwrap();
    let error = template.render(&json!([1, 2])).unwrap_err();
    assert_eq!((error.line(), error.column()), (0, 0));
    assert!(error.message().contains("must be an object"), "{error}");
    assert!(error.to_string().starts_with("t.html: "), "{error}");
    assert_eq!(template.render(&json!({})).unwrap(), "hi");
}

#[test]
fn display_is_name_line_column_message() {
    let error = Template::parse("templates/thanks.html", "a\nb\n  xx {% nope %}").unwrap_err();
    assert_eq!(
        error.to_string(),
        "templates/thanks.html:3:6: unknown tag `nope`; the tags are if, else, endif, for and endfor"
    );
    assert_eq!(error.name(), "templates/thanks.html");
}
