#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(query) = berth_types::query::parse_query(text) {
            for term in query.terms {
                assert!(!term.key.is_empty());
            }
        }
        let _ = berth_types::query::parse_sort(text);
    }
});
