//! Tests of the engine against a deliberately simple reference.

mod prop;
