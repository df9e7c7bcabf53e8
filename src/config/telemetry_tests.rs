//! `telemetry.*`: off by default, a base URL gets `/v1/traces`, and bad
//! values stop start-up naming their key.

use super::tests::{refusal, settings};

#[test]
fn traces_are_off_by_default_with_the_contract_defaults() {
    let s = settings(&[]);
    assert!(s.telemetry.otlp_endpoint.is_none());
    assert_eq!(s.telemetry.service_name, "nextarget");
    assert!((s.telemetry.sample_ratio - 1.0).abs() < f64::EPSILON);
}

#[test]
fn an_endpoint_is_a_base_url_to_which_the_traces_path_is_added() {
    for (given, used) in [
        ("http://collector:4318", "http://collector:4318/v1/traces"),
        ("http://collector:4318/", "http://collector:4318/v1/traces"),
        (
            "https://otel.example.com/v1/traces",
            "https://otel.example.com/v1/traces",
        ),
    ] {
        let s = settings(&[("telemetry.otlp_endpoint", given)]);
        let endpoint = s.telemetry.otlp_endpoint.expect("on");
        assert_eq!(endpoint.as_str(), used, "{given}");
    }
    let s = settings(&[
        ("telemetry.otlp_endpoint", " "),
        ("telemetry.sample_ratio", "0.25"),
        ("telemetry.service_name", "nextarget-eu"),
    ]);
    assert!(s.telemetry.otlp_endpoint.is_none(), "blank is off");
    assert!((s.telemetry.sample_ratio - 0.25).abs() < f64::EPSILON);
    assert_eq!(s.telemetry.service_name, "nextarget-eu");
}

#[test]
fn a_bad_endpoint_ratio_or_name_is_refused_naming_the_key() {
    for (key, value) in [
        ("telemetry.otlp_endpoint", "collector:4318"),
        ("telemetry.otlp_endpoint", "ftp://collector"),
        ("telemetry.sample_ratio", "1.5"),
        ("telemetry.sample_ratio", "-0.1"),
        ("telemetry.service_name", " "),
    ] {
        let message = refusal(&[(key, value)]);
        assert!(message.contains(key), "{key}={value}: {message}");
    }
}
