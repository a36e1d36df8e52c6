//! Generates the contract from openapi.yaml: progenitor client + shared types
//! (`client.rs`) and the dropshot API trait with its `Service` trait
//! (`server.rs`). A spec mistake fails the build here, naming the operation.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=openapi.yaml");
    println!("cargo:rerun-if-changed=build.rs");
    let yaml = fs::read_to_string("openapi.yaml").expect("openapi.yaml is readable");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    match mobieus_codegen::generate(&yaml) {
        Ok(generated) => {
            fs::write(out.join("client.rs"), generated.client).expect("write client.rs");
            fs::write(out.join("server.rs"), generated.server).expect("write server.rs");
            fs::write(out.join("cli.rs"), generated.cli).expect("write cli.rs");
        }
        Err(errors) => {
            for e in &errors {
                println!("cargo:warning=openapi.yaml: {e}");
            }
            let listed: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
            panic!("openapi.yaml has {} problem(s):\n{}", errors.len(), listed.join("\n"));
        }
    }
}
