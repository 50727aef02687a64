// Reference row of `make bench`: verify one RS256 token (signature, exp, iss, aud) with the jsonwebtoken crate,
// `calls` times per round, and print the microseconds per call of each round as a JSON array.
// Usage: rust-seed <token> <n> <e> <iss> <aud> <calls> <rounds>
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 8 {
        eprintln!("usage: rust-seed <token> <n> <e> <iss> <aud> <calls> <rounds>");
        std::process::exit(2);
    }
    let (token, n, e, iss, aud) = (&args[1], &args[2], &args[3], &args[4], &args[5]);
    let calls: usize = args[6].parse().expect("calls");
    let rounds: usize = args[7].parse().expect("rounds");
    let key = DecodingKey::from_rsa_components(n, e).expect("RSA key from n and e");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[iss]);
    validation.set_audience(&[aud]);

    let verify = || decode::<serde_json::Value>(token, &key, &validation).expect("the token verifies");
    for _ in 0..calls {
        verify();
    }
    let mut per_call = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        for _ in 0..calls {
            std::hint::black_box(verify());
        }
        per_call.push(started.elapsed().as_secs_f64() * 1e6 / calls as f64);
    }
    println!("{}", serde_json::to_string(&per_call).expect("JSON"));
}
