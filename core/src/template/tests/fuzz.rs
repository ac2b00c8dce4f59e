//! Robustness: cut-up, mangled and random templates never panic, and every
//! error points at a real character of the source.

use proptest::prelude::*;
use serde_json::{json, Value};

use crate::template::{Template, TemplateError};

/// A template that uses every feature, with multi-byte characters right
/// next to the delimiters.
const COMPLEX: &str = "é{{ name }}ü\n\
    {% if user.admin %}日<b>{{raw html}}</b>{% else %}{{ \"{{\\\"\\\\\" }}{% endif %}\n\
    {% for m in messages %}{{ loop.index }}:{{m.name}}語{% if not loop.last %},{% endif %}\n\
    {% for t in m.tags %}[{{ t }}]{% else %}-{% endfor %}{% endfor %}\n\
    {{ xs.0 }}{%if not xs%}none{%endif%}";

/// A context with everything `COMPLEX` uses.
fn context() -> Value {
    json!({
        "name": "<Ada>",
        "user": { "admin": true },
        "html": "<i>hi</i>",
        "messages": [
            { "name": "a", "tags": ["x", "y"] },
            { "name": "b", "tags": [] },
        ],
        "xs": [1, 2],
    })
}

/// Checks that `error`, from `source`, points at a character that exists.
/// (Errors without a position, such as a wrong context, have line 0.)
#[track_caller]
fn assert_points_into(error: &TemplateError, source: &str) {
    let (line, column) = (error.line(), error.column());
    if line == 0 {
        assert_eq!(column, 0, "{error}");
        return;
    }
    let text = source.split('\n').nth(line - 1);
    let Some(text) = text else {
        panic!("line {line} is past the end of {source:?}: {error}");
    };
    assert!(
        column >= 1 && column <= text.chars().count(),
        "column {column} is outside line {line} ({text:?}) of {source:?}: {error}"
    );
}

/// Parses and renders `source`; whatever happens, it must not panic and
/// any error must point into the source.
fn check(source: &str, context: &Value) {
    match Template::parse("fuzz.html", source) {
        Ok(template) => {
            if let Err(error) = template.render(context) {
                assert_points_into(&error, source);
            }
        }
        Err(error) => assert_points_into(&error, source),
    }
}

#[test]
fn the_complex_template_renders() {
    let output = Template::parse("t", COMPLEX)
        .unwrap()
        .render(&context())
        .unwrap();
    assert_eq!(
        output,
        "é&lt;Ada&gt;ü\n日<b><i>hi</i></b>\n1:a語,\n[x][y]2:b語\n-\n1"
    );
}

#[test]
fn every_slice_of_a_complex_template_is_handled() {
    let context = context();
    let boundaries: Vec<usize> = COMPLEX
        .char_indices()
        .map(|(i, _)| i)
        .chain([COMPLEX.len()])
        .collect();
    for (n, &start) in boundaries.iter().enumerate() {
        for &end in &boundaries[n..] {
            check(&COMPLEX[start..end], &context);
        }
    }
}

#[test]
fn every_one_character_change_is_handled() {
    let context = context();
    let chars: Vec<char> = COMPLEX.chars().collect();
    for i in 0..chars.len() {
        // Delete the character at `i`...
        let deleted: String = chars[..i].iter().chain(&chars[i + 1..]).collect();
        check(&deleted, &context);
        // ...or put a troublesome one in its place.
        for replacement in ['{', '}', '%', '"', '\\', '.', '\n', 'é'] {
            let mut changed = chars.clone();
            changed[i] = replacement;
            check(&changed.iter().collect::<String>(), &context);
        }
    }
}

proptest! {
    #[test]
    fn random_template_like_text_is_handled(
        source in "([{}%\"\\\\. \nab0éü日]|\\{\\{|\\{%|%\\}|\\}\\}|if|for|in|not|raw|else|endif|endfor|loop)*"
    ) {
        check(&source, &context());
    }

    #[test]
    fn arbitrary_strings_are_handled(source in any::<String>()) {
        check(&source, &context());
    }
}
