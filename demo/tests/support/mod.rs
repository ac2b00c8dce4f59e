//! Helpers shared by the demo's test files (each file is its own test
//! binary and uses only some of them).
#![allow(dead_code)]

/// The ids of the messages on a `/messages` page, in page order.
pub fn page_ids(page: &str) -> Vec<u64> {
    page.split("id=\"message-")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}
