//! Reconciling the platform callback with the statistics (being written).
