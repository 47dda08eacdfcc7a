//! Fake but plausible persons for the "number of persons" start-up option.

use labs_order_client::contact::types::Person;
use rand::seq::IndexedRandom;

use super::service::ContactService;

const FIRST: &[&str] = &[
    "Anna", "Lukas", "Marie", "Jonas", "Sophie", "Felix", "Lena", "Paul", "Emma", "Leon", "Mia", "Noah", "Hannah", "Elias", "Clara", "Ben",
];
const LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
];
const PLACES: &[(&str, &str, &str)] = &[
    ("München", "80333", "Germany"),
    ("Berlin", "10115", "Germany"),
    ("Hamburg", "20095", "Germany"),
    ("Köln", "50667", "Germany"),
    ("Zürich", "8001", "Switzerland"),
    ("Wien", "1010", "Austria"),
    ("Frankfurt am Main", "60311", "Germany"),
];
const STREETS: &[&str] =
    &["Theresienstrasse", "Hauptstrasse", "Bahnhofstrasse", "Gartenweg", "Lindenallee", "Schillerstrasse", "Goethestrasse"];

pub fn fake_person() -> Person {
    let mut rng = rand::rng();
    let (city, zip, country) = *PLACES.choose(&mut rng).expect("non-empty");
    Person {
        first_name: FIRST.choose(&mut rng).map(|s| s.to_string()),
        last_name: LAST.choose(&mut rng).map(|s| s.to_string()),
        street_address: STREETS.choose(&mut rng).map(|s| s.to_string()),
        house_number: Some(rand::random_range(1..=120u32).to_string()),
        city: Some(city.to_string()),
        zip: Some(zip.to_string()),
        country: Some(country.to_string()),
        ..Person::default()
    }
}

/// Creates persons (each with its created event) until at least `target` exist.
pub async fn ensure_persons(service: &ContactService, target: u64) -> Result<u64, super::Error> {
    let existing = service.count().await?;
    let missing = target.saturating_sub(existing);
    for _ in 0..missing {
        service.create("seed", fake_person()).await?;
    }
    if missing > 0 {
        tracing::info!(created = missing, total = target, "seeded persons");
    }
    Ok(missing)
}
