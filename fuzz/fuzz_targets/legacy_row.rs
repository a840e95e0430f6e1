//! Rows of the old system's CSV export, read as the import reads them (UTF-8 or not,
//! ragged rows, any header), and every field through the import's value parsers: a value
//! is refused with a message or parsed into something that parses back the same.
#![no_main]

use crm_server::import::values::{amount, date, day, timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        let Ok(row) = csv::StringRecord::from_byte_record(record.clone()) else {
            continue;
        };
        for field in row.iter() {
            let field = field.trim();
            if let Ok(francs) = amount(field, "montant") {
                assert!(francs >= 0, "{field:?} → {francs}");
                assert_eq!(amount(&francs.to_string(), "montant"), Ok(francs));
            }
            if let Ok(at) = timestamp(field, "created_at") {
                assert_eq!(
                    timestamp(&at.to_rfc3339(), "created_at"),
                    Ok(at),
                    "{field:?}"
                );
            }
            if let Ok(d) = date(field, "birth_date") {
                assert_eq!(date(&d.to_string(), "birth_date"), Ok(d));
                assert_eq!(day(field, "valid_to"), Ok(d), "a date is its own day");
            }
            let _ = day(field, "valid_to");
        }
    }
});
