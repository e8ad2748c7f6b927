use super::*;

const SAMPLE: &str = include_str!("../../../.env/fares.sample.toml");

const SMALL: &str = r#"
currency = "USD"
[classes.standard]
base = 200
per_km = 100
per_minute = 20
minimum = 500
booking_fee = 0
"#;

fn err(text: &str) -> String {
    parse_fares(text, Format::Toml)
        .expect_err("invalid")
        .to_string()
}

#[test]
fn no_file_is_the_built_in_default() {
    assert_eq!(load_fares(None).expect("default"), FareTable::default());
}

#[test]
fn the_sample_file_is_the_built_in_default() {
    assert_eq!(
        parse_fares(SAMPLE, Format::Toml).expect("sample parses"),
        FareTable::default()
    );
}

#[test]
fn missing_sections_take_the_defaults() {
    let t = parse_fares(SMALL, Format::Toml).expect("valid");
    let d = FareTable::default();
    assert_eq!(t.currency.as_str(), "USD");
    assert_eq!(t.classes.len(), 1);
    assert!(t.classes.values().all(|r| r.currency == t.currency));
    assert_eq!(
        (t.estimate, t.track, t.surge, t.cancel),
        (d.estimate, d.track, d.surge, d.cancel)
    );
    assert_eq!(t.quote_validity_secs, d.quote_validity_secs);
}

#[test]
fn json_parses_the_same_table() {
    let json = r#"{"currency": "USD", "classes": {"standard":
        {"base": 200, "per_km": 100, "per_minute": 20, "minimum": 500, "booking_fee": 0}}}"#;
    assert_eq!(
        parse_fares(json, Format::Json).expect("json"),
        parse_fares(SMALL, Format::Toml).expect("toml")
    );
}

#[test]
fn errors_name_the_field_path() {
    assert_eq!(
        err(&SMALL.replace("per_km = 100", "per_km = -1")),
        "classes.standard.per_km: must not be negative"
    );
    assert_eq!(err("currency = \"USD\"\n"), "classes: at least one class");
    assert!(err(&SMALL.replace("USD", "usd")).starts_with("currency: "));
    assert!(
        err(&SMALL.replace("classes.standard", "classes.XL")).starts_with("classes.XL: class name")
    );
    assert!(err(&SMALL.replace("base = 200", "base = 100000001"))
        .starts_with("classes.standard.base: must be at most"));
    let with = |section: &str| format!("{SMALL}\n{section}\n");
    assert!(err(&with("[estimate]\nroad_factor = 0.9")).starts_with("estimate.road_factor: "));
    assert!(
        err(&with("[estimate]\naverage_speed_kmh = 0")).starts_with("estimate.average_speed_kmh: ")
    );
    assert!(err(&with("[track]\ngap_secs = 0")).starts_with("track.gap_secs: "));
    assert!(err(&with("[surge]\nstart_ratio = 2.0\nfull_ratio = 2.0"))
        .starts_with("surge.full_ratio: "));
    assert!(err(&with("[surge]\nmax_multiplier = 11")).starts_with("surge.max_multiplier: "));
    assert!(err(&with("[cancel]\nfee = -5")).starts_with("cancel.fee: "));
    assert!(err(&format!("quote_validity_secs = 0\n{SMALL}")).starts_with("quote_validity_secs: "));
}

#[test]
fn unknown_and_missing_fields_are_refused() {
    let typo = err(&SMALL.replace("per_km", "per_kms"));
    assert!(typo.contains("per_kms"), "{typo}");
    let missing = err(&SMALL.replace("booking_fee = 0", ""));
    assert!(missing.contains("booking_fee"), "{missing}");
    let section = err(&format!("{SMALL}\n[surge]\nmax = 2\n"));
    assert!(section.contains("max"), "{section}");
    let top = err(&format!("tax = 1\n{SMALL}"));
    assert!(top.contains("tax"), "{top}");
    assert!(err(&SMALL.replace("base = 200", "base = 2.5")).contains("base"));
}

#[test]
fn decimals_become_basis_points_once() {
    let t = parse_fares(
        &format!(
            "{SMALL}\n[surge]\nstart_ratio = 1\nfull_ratio = 2.00005\nmax_multiplier = 1.23456\n"
        ),
        Format::Toml,
    )
    .expect("valid");
    assert_eq!(t.surge.start_ratio_bp, 10_000);
    assert_eq!(t.surge.full_ratio_bp, 20_001);
    assert_eq!(t.surge.max_multiplier, Multiplier(12_346));
}

#[test]
fn files_are_chosen_by_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let toml_path = dir.path().join("fares.toml");
    std::fs::write(&toml_path, SMALL).expect("write");
    assert_eq!(
        load_fares(Some(&toml_path))
            .expect("toml")
            .currency
            .as_str(),
        "USD"
    );
    let txt = dir.path().join("fares.txt");
    std::fs::write(&txt, SMALL).expect("write");
    assert!(matches!(
        load_fares(Some(&txt)),
        Err(FaresError::Extension(_))
    ));
    let json_path = dir.path().join("fares.json");
    std::fs::write(&json_path, SMALL).expect("write");
    assert!(matches!(
        load_fares(Some(&json_path)),
        Err(FaresError::Syntax {
            format: Format::Json,
            ..
        })
    ));
    let none = dir.path().join("absent.toml");
    assert!(matches!(
        load_fares(Some(&none)),
        Err(FaresError::Read { .. })
    ));
}
