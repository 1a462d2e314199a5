//! File Segment API request bodies (being written).
