//! Snapshot tests: the code the attributes generate for a few
//! representative routes, checked in under `macros/snapshots/` so that a
//! learner can read it without installing `cargo expand`.
//!
//! The test runs the attribute on each source below, pretty-prints the
//! result with `prettyplease` and compares it with the checked-in file.
//! When they differ it fails with a diff; run
//! `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros` to rewrite the files,
//! then read the diff in `git diff` before committing it.

use std::fs;
use std::path::{Path, PathBuf};

use quote::ToTokens;

use crate::parse::Kind;

/// One snapshot: a file name and the source it is generated from.
struct Case {
    /// The file is `macros/snapshots/{name}.expanded.rs`.
    name: &'static str,
    /// A function with its attribute, as a user would write it.
    source: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "about",
        source: r#"
            #[route("/about")]
            fn about() -> Html<&'static str> {
                Html("<h1>About rung</h1>")
            }
        "#,
    },
    Case {
        name: "path_params",
        source: r#"
            /// One message of the guest book, as JSON.
            #[get("/api/messages/{id}")]
            fn show(id: u64, store: State<Store>) -> Option<Json<Message>> {
                store.find(id).map(Json)
            }
        "#,
    },
    Case {
        name: "tail_param",
        source: r#"
            #[get("/files/{owner}/{*path}")]
            fn file(owner: String, path: String) -> String {
                format!("{owner} asked for {path}")
            }
        "#,
    },
    Case {
        name: "url_builder",
        source: r#"
            /// The files of a user, listed or searched.
            #[get("/users/{user}/files/{*path}")]
            pub fn files(user: String, path: String, Query(search): Query<Search>) -> String {
                format!("{user}'s files under {path}, matching {search:?}")
            }
        "#,
    },
    Case {
        name: "extractors",
        source: r#"
            #[post("/contact")]
            fn send(
                req: &Request,
                Form(contact): Form<Contact>,
                Query(options): Query<SendOptions>,
                store: State<Store>,
            ) -> Result<Redirect, Html<String>> {
                log::info!("message from {:?}", req.peer_addr());
                store.add(contact, options.notify)?;
                Ok(Redirect::to("/thanks"))
            }
        "#,
    },
    Case {
        name: "methods",
        source: r#"
            #[route("/guestbook", methods = [GET, POST])]
            fn guestbook(req: &Request) -> Html<String> {
                Html(format!("<p>You sent a {} request.</p>", req.method()))
            }
        "#,
    },
    Case {
        name: "catcher",
        source: r#"
            #[catch(404, prefix = "/api")]
            fn api_not_found(req: &Request) -> (Status, Json<ApiError>) {
                let error = ApiError::new(format!("no resource at {}", req.path()));
                (Status::NOT_FOUND, Json(error))
            }
        "#,
    },
    Case {
        name: "catcher_no_args",
        source: r#"
            #[catch(500)]
            fn oops() -> Html<&'static str> {
                Html("<h1>Something went wrong on our side.</h1>")
            }
        "#,
    },
];

#[test]
fn expansions_match_snapshots() {
    let update = std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1");
    let dir = snapshot_dir();
    let mut failures = Vec::new();
    for case in CASES {
        let path = dir.join(format!("{}.expanded.rs", case.name));
        let expected = render(case);
        let actual = fs::read_to_string(&path).ok();
        if actual.as_deref() == Some(expected.as_str()) {
            continue;
        }
        if update {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, &expected).unwrap();
            eprintln!("updated macros/snapshots/{}.expanded.rs", case.name);
            continue;
        }
        let shown = format!("macros/snapshots/{}.expanded.rs", case.name);
        failures.push(match actual {
            Some(actual) => format!(
                "{shown} differs from the expansion (- file, + expansion):\n{}",
                diff(&actual, &expected)
            ),
            None => format!("{shown} is missing"),
        });
    }
    for stale in stale_files(&dir) {
        failures.push(format!(
            "{} has no case in macros/src/snapshots.rs: delete it or add the case",
            stale.display()
        ));
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change is intended, run `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros` \
         and check the result with `git diff macros/snapshots`.",
        failures.join("\n\n")
    );
}

/// `macros/snapshots/`.
fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

/// Snapshot files that no case produces.
fn stale_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !CASES
                .iter()
                .any(|case| file == format!("{}.expanded.rs", case.name))
        })
        .collect();
    stale.sort();
    stale
}

/// The snapshot text for a case: a header naming its source, then the
/// pretty-printed expansion.
fn render(case: &Case) -> String {
    let source = dedent(case.source);
    let mut function: syn::ItemFn = syn::parse_str(&source)
        .unwrap_or_else(|e| panic!("case `{}` is not a function: {e}", case.name));
    let index = function
        .attrs
        .iter()
        .position(|attr| attribute_kind(attr).is_some())
        .unwrap_or_else(|| panic!("case `{}` has no rung attribute", case.name));
    let attribute = function.attrs.remove(index);
    let kind = attribute_kind(&attribute).unwrap();
    let args = match attribute.meta {
        syn::Meta::List(list) => list.tokens,
        _ => proc_macro2::TokenStream::new(),
    };

    let expanded = crate::expand_attribute(kind, args, function.into_token_stream());
    let file: syn::File = syn::parse2(expanded)
        .unwrap_or_else(|e| panic!("the expansion of `{}` does not parse: {e}", case.name));

    let mut text = String::new();
    text.push_str("// What the attribute generates for this source (the snapshot case\n");
    text.push_str(&format!(
        "// `{}` in macros/src/snapshots.rs):\n//\n",
        case.name
    ));
    for line in source.lines() {
        text.push_str(format!("//     {line}").trim_end());
        text.push('\n');
    }
    text.push_str(
        "//\n\
         // The function is kept exactly as written; the `const _` block after it\n\
         // is what the attribute adds. Checked by `cargo test -p rung-macros`;\n\
         // regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p rung-macros`.\n\n",
    );
    text.push_str(&prettyplease::unparse(&file));
    text
}

/// The rung attribute an attribute is, if it is one.
fn attribute_kind(attribute: &syn::Attribute) -> Option<Kind> {
    let ident = attribute.path().get_ident()?;
    Kind::from_name(&ident.to_string())
}

/// Removes the indentation common to every non-blank line, and the blank
/// lines around.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.get(indent..).unwrap_or(""))
        .collect();
    lines.join("\n").trim_matches('\n').to_string() + "\n"
}

/// A line diff of `old` and `new` (longest common subsequence), showing
/// each change with two lines of context.
fn diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut common = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    // Every line of the merged sequence, with its mark.
    let mut lines = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push((' ', i + 1, a[i]));
            i += 1;
            j += 1;
        } else if j == b.len() || (i < a.len() && common[i + 1][j] >= common[i][j + 1]) {
            lines.push(('-', i + 1, a[i]));
            i += 1;
        } else {
            lines.push(('+', j + 1, b[j]));
            j += 1;
        }
    }
    let near_change = |index: usize| {
        let from = index.saturating_sub(2);
        let to = (index + 3).min(lines.len());
        lines[from..to].iter().any(|(mark, _, _)| *mark != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    for (index, (mark, number, line)) in lines.iter().enumerate() {
        if near_change(index) {
            if skipped {
                out.push_str("     ...\n");
                skipped = false;
            }
            out.push_str(&format!("{number:4} {mark} {line}\n"));
        } else {
            skipped = true;
        }
    }
    out
}

#[test]
fn diff_shows_changes_with_context() {
    let old = "a\nb\nc\nd\ne\nf\ng\n";
    let new = "a\nb\nc\nD\ne\nf\ng\n";
    let shown = diff(old, new);
    assert!(shown.contains("   4 - d"), "{shown}");
    assert!(shown.contains("   4 + D"), "{shown}");
    assert!(shown.contains("   2   b"), "{shown}");
    assert!(!shown.contains("   1   a"), "{shown}");
}
