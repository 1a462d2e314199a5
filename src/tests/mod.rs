//! Tests of the engine against a deliberately simple reference.

mod naive;
mod prop;
