//! A lint over the workspace's source: secrets are never compared with `==`
//! or `!=`, which short-circuit on the first differing byte. Comparisons go
//! through argon2 verification or `subtle::ConstantTimeEq`.

const SECRET_WORDS: [&str; 3] = ["password", "secret", "csrf"];

/// The expression-ish token that ends at `end` (going left) or starts at
/// `start` (going right): identifiers, field access and calls.
fn operand(line: &str, range: std::ops::Range<usize>, leftwards: bool) -> String {
    let part = &line[range];
    let is_token = |c: char| c.is_alphanumeric() || "_.()&*".contains(c);
    if leftwards {
        part.trim_end()
            .chars()
            .rev()
            .take_while(|c| is_token(*c))
            .collect::<String>()
            .chars()
            .rev()
            .collect()
    } else {
        part.trim_start()
            .chars()
            .take_while(|c| is_token(*c))
            .collect()
    }
}

fn offending(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or_default();
    let mut search = 0;
    while let Some(found) = code[search..].find(['=', '!']) {
        let at = search + found;
        if code[at + 1..].starts_with('=') && !code[..at].ends_with(['=', '<', '>', '!']) {
            let left = operand(code, 0..at, true).to_ascii_lowercase();
            let right = operand(code, at + 2..code.len(), false).to_ascii_lowercase();
            let secretish =
                |s: &str| SECRET_WORDS.iter().any(|w| s.contains(w)) && !s.ends_with(".len()");
            if secretish(&left) || secretish(&right) {
                return true;
            }
        }
        search = at + 1;
    }
    false
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_lint_recognises_what_it_must() {
    assert!(offending("if password == stored {"));
    assert!(offending("return given != session.csrf;"));
    assert!(offending("if secret_hash == row.secret_hash {"));
    assert!(!offending("if given.len() == session.csrf.len() {"));
    assert!(!offending(
        "let same = a == b; // password compared elsewhere"
    ));
    assert!(!offending("if status == 200 {"));
}

#[test]
fn no_secret_is_compared_with_eq_anywhere_in_the_workspace() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 20, "found the sources: {}", files.len());
    let mut violations = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if offending(line) {
                violations.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "compare secrets in constant time:\n{}",
        violations.join("\n")
    );
}
