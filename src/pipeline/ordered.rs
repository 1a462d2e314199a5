//! The rejects file written on several threads in line order: each
//! thread formats whole parts of the run into its own buffer, and the
//! parts take turns at the one output, in order.

use std::io::{self, Write};
use std::sync::{Condvar, Mutex};

use crate::pipeline::Run;
use crate::rule::Rule;
use crate::sink::sinks::RejectsCsv;

/// Writes the rejects records of `run` to `out`, the parts on `threads`
/// threads at once, in order. A part writes out each `flush_at` bytes
/// once its turn has come, and holds at most `hold` bytes before it.
pub(crate) fn write_rejects<W: Write + Send>(
    run: &Run,
    out: &mut W,
    omit: &[Rule],
    threads: usize,
    flush_at: usize,
    hold: usize,
) -> io::Result<()> {
    let parts = run.parts();
    if threads <= 1 || parts <= 1 {
        return run.emit(RejectsCsv::new(out).omitting(omit));
    }
    let order = Turns {
        turn: Mutex::new(Turn { out, next: 0, head: 0, error: None }),
        turned: Condvar::new(),
        flush_at,
        hold,
    };
    std::thread::scope(|scope| {
        for _ in 0..threads.min(parts) {
            scope.spawn(|| {
                while let Some(part) = order.claim(parts) {
                    let mut piece = Piece {
                        order: &order,
                        part,
                        buf: Vec::new(),
                        check_at: flush_at,
                        finished: false,
                    };
                    let emitted = run.emit_part(
                        part,
                        RejectsCsv::new(&mut piece).omitting(omit),
                    );
                    if emitted.and_then(|_| piece.finish()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    let turn = order.turn.into_inner().unwrap_or_else(|e| e.into_inner());
    turn.error.map_or(Ok(()), Err)
}

/// The parts' turns at the output, in part order.
struct Turns<'o, W> {
    turn: Mutex<Turn<'o, W>>,
    turned: Condvar,
    flush_at: usize,
    hold: usize,
}

struct Turn<'o, W> {
    out: &'o mut W,
    /// The next part to claim.
    next: usize,
    /// The part whose bytes go out now.
    head: usize,
    /// The first write error; every part stops at it.
    error: Option<io::Error>,
}

impl<'o, W: Write> Turns<'o, W> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Turn<'o, W>> {
        self.turn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next part to write, if any is left and nothing failed.
    fn claim(&self, parts: usize) -> Option<usize> {
        let mut turn = self.lock();
        if turn.error.is_some() || turn.next >= parts {
            return None;
        }
        turn.next += 1;
        Some(turn.next - 1)
    }
}

/// One part's records: held until the part's turn, then written through.
struct Piece<'a, 'o, W> {
    order: &'a Turns<'o, W>,
    part: usize,
    buf: Vec<u8>,
    /// The held size at which to look for the turn again: every
    /// `flush_at` bytes, not at every record once past the first.
    check_at: usize,
    finished: bool,
}

impl<W> Drop for Piece<'_, '_, W> {
    /// A part that stops before its end (an error, or a panic on its
    /// thread) stops every part, so that none waits for it forever.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut turn =
            self.order.turn.lock().unwrap_or_else(|e| e.into_inner());
        turn.error.get_or_insert_with(|| {
            io::Error::other("a part of the rejects file was not written")
        });
        self.order.turned.notify_all();
    }
}

impl<W: Write> Piece<'_, '_, W> {
    /// Writes the held bytes, then `more`, out if it is this part's
    /// turn, or, with `wait`, once it is.
    fn drain(&mut self, wait: bool, more: &[u8]) -> io::Result<()> {
        let mut turn = self.order.lock();
        loop {
            if turn.error.is_some() {
                return Err(io::Error::other("an earlier part failed"));
            }
            if turn.head == self.part {
                break;
            }
            if !wait {
                return Ok(());
            }
            turn = self
                .order
                .turned
                .wait(turn)
                .unwrap_or_else(|e| e.into_inner());
        }
        let written = turn
            .out
            .write_all(&self.buf)
            .and_then(|()| turn.out.write_all(more));
        if let Err(err) = written {
            let message = err.to_string();
            turn.error = Some(err);
            self.order.turned.notify_all();
            return Err(io::Error::other(message));
        }
        self.buf.clear();
        Ok(())
    }

    /// Writes the rest of the part and hands the turn on.
    fn finish(mut self) -> io::Result<()> {
        self.drain(true, &[])?;
        self.finished = true;
        self.order.lock().head += 1;
        self.order.turned.notify_all();
        Ok(())
    }
}

impl<W: Write> Write for Piece<'_, '_, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // More than the part may hold (a long row): written through once
        // the part's turn comes, not copied.
        if self.buf.len() + data.len() > self.order.hold {
            self.drain(true, data)?;
            return Ok(data.len());
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() >= self.check_at {
            self.drain(self.buf.len() >= self.order.hold, &[])?;
            self.check_at = (self.buf.len() + self.order.flush_at)
                .min(self.order.hold.max(self.order.flush_at));
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::sink::{Finding, Kept, Sink};
    use crate::{AttributeType, IdType, Input, Pipeline, PipelineBuilder};

    /// The rejects file as the csv writer writes it, every field through
    /// it: what `RejectsSink` must match byte for byte.
    struct CsvRejects(csv::Writer<Vec<u8>>);

    impl Sink for CsvRejects {
        type Error = csv::Error;

        fn kept(&mut self, _: &Kept<'_>) -> Result<(), csv::Error> {
            Ok(())
        }

        fn dropped(
            &mut self,
            finding: &Finding<'_>,
        ) -> Result<(), csv::Error> {
            self.0.write_record([
                finding.line.to_string().as_bytes(),
                finding.rule().name().as_bytes(),
                finding.detail().to_string().as_bytes(),
                finding.raw,
            ])
        }
    }

    fn both(
        input: &[u8],
        id_type: IdType,
        double: bool,
    ) -> (Vec<u8>, Vec<u8>) {
        let mut builder = PipelineBuilder::new();
        builder.id_type(id_type).threads(1);
        if double {
            builder.attribute_type(AttributeType::Double);
        }
        let pipeline = builder.build().expect("valid options");
        let run = pipeline.process(Input::from_bytes(input.to_vec(), "x"));
        let mut fast = RejectsCsv::new(RejectsCsv::<Vec<u8>>::HEADER.to_vec());
        run.emit(&mut fast).expect("writing to memory");
        let mut csv = CsvRejects(csv::Writer::from_writer(Vec::new()));
        csv.0.write_record(["line", "rule", "detail", "raw"]).unwrap();
        run.emit(&mut csv).unwrap();
        (fast.into_inner(), csv.0.into_inner().expect("flushed"))
    }

    #[test]
    fn rejects_are_written_as_the_csv_writer_writes_them() {
        let input = b"id\r\nabc\nabc\n\"a,b\"\n\"q\"\"x\"\nx\ty\n\"open\n,\n\xff\n a \n12\r\r\n";
        for id_type in [IdType::String, IdType::Numeric, IdType::Gaid] {
            let (fast, csv) = both(input, id_type, false);
            // Bytes, not text: the input holds invalid UTF-8.
            assert!(
                fast == csv,
                "{id_type:?}\n{}\n{}",
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&csv)
            );
        }
        let (fast, csv) = both(b"1e999\n1.5\n1.50\nx\n", IdType::String, true);
        assert_eq!(fast, csv);
    }

    #[test]
    fn long_rows_are_written_as_the_csv_writer_writes_them() {
        // Longer than a record holds, quotes and commas at the ends, in
        // the middle, on every other byte, or none.
        let a = "a".repeat(150_000);
        let rows = [
            format!("\"{a}"),
            format!("{a}\""),
            format!("{a},{a}\"\"{a}"),
            format!("\"{}", "x\"".repeat(100_000)),
            format!("#{a}"),
            format!("{a}\r{a}"),
        ];
        for row in rows {
            let input = format!("u1\n{row}\nu2\n");
            let (fast, csv) = both(input.as_bytes(), IdType::String, false);
            assert!(fast == csv, "{}", &row[..20]);
        }
    }

    /// The rejects records of `input` cut in chunks of `chunk_bytes`,
    /// written by `write_rejects` on `threads` threads.
    fn rejects_by_parts(
        input: &[u8],
        chunk_bytes: usize,
        threads: usize,
        flush_at: usize,
        hold: usize,
    ) -> Vec<u8> {
        let pipeline = PipelineBuilder::new()
            .threads(threads)
            .chunk_bytes(chunk_bytes)
            .build()
            .expect("valid options");
        let run = pipeline.process(Input::from_bytes(input.to_vec(), "x"));
        let mut out = Vec::new();
        write_rejects(&run, &mut out, &[], threads, flush_at, hold)
            .expect("writing to memory");
        out
    }

    #[test]
    fn rejects_are_the_same_from_any_number_of_threads() {
        let mut input = Vec::new();
        for i in 0..3000u32 {
            // Duplicates, rejects and kept rows, interleaved.
            let row = match i % 5 {
                0 => format!("v{}\n", i % 97),
                1 => format!("\"w{i}\"\n"),
                2 => format!("x,{i}\n"),
                3 => "\n".to_string(),
                _ => format!("a#{}\n", i % 13),
            };
            input.extend_from_slice(row.as_bytes());
        }
        let one = rejects_by_parts(&input, 1 << 20, 1, 1 << 20, 16 << 20);
        assert!(one.len() > 10_000, "the input has rejects");
        for chunk_bytes in [1, 7, 500, 4096] {
            for threads in [2, 3, 8] {
                for (flush_at, hold) in
                    [(1, 1), (64, 256), (1 << 20, 16 << 20)]
                {
                    let many = rejects_by_parts(
                        &input,
                        chunk_bytes,
                        threads,
                        flush_at,
                        hold,
                    );
                    assert!(
                        many == one,
                        "{chunk_bytes}-byte chunks, {threads} threads, \
                         flush at {flush_at}, hold {hold}"
                    );
                }
            }
        }
    }

    /// Fails every write after the first `left` bytes.
    struct Full {
        left: usize,
    }

    impl Write for Full {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            if data.len() > self.left {
                return Err(io::Error::other("disk full"));
            }
            self.left -= data.len();
            Ok(data.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// 5,000 rows of 50 values: duplicates in every part.
    fn repeated_values() -> Vec<u8> {
        (0..5000).flat_map(|i| format!("v{}\n", i % 50).into_bytes()).collect()
    }

    /// Three threads over parts of about 700 bytes.
    fn many_parts() -> Pipeline {
        PipelineBuilder::new()
            .threads(3)
            .chunk_bytes(700)
            .build()
            .expect("valid options")
    }

    #[test]
    fn a_failed_write_stops_every_part_with_its_error() {
        let input = repeated_values();
        let pipeline = many_parts();
        let run = pipeline.process(Input::from_bytes(input, "x"));
        for left in [0, 100, 5000] {
            let mut out = Full { left };
            let err = write_rejects(&run, &mut out, &[], 3, 64, 256)
                .expect_err("the output fills up");
            assert_eq!(err.to_string(), "disk full");
        }
    }

    /// Panics on its second write.
    struct Breaks {
        writes: usize,
    }

    impl Write for Breaks {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.writes += 1;
            assert!(self.writes < 2, "the output breaks");
            Ok(data.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_panic_while_writing_stops_every_part() {
        // On a thread of its own, so that a hang fails the test instead
        // of holding it up.
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let input = repeated_values();
            let pipeline = many_parts();
            let run = pipeline.process(Input::from_bytes(input, "x"));
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let mut out = Breaks { writes: 0 };
                    write_rejects(&run, &mut out, &[], 3, 64, 256)
                }));
            let _ = done.send(outcome.is_err());
        });
        let panicked = finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the writers stopped instead of waiting forever");
        assert!(panicked, "the panic reaches the caller");
    }

    proptest! {
        #[test]
        fn rejects_match_the_csv_writer_on_any_input(
            rows in prop::collection::vec(
                prop::collection::vec(
                    prop::sample::select(
                        b"a0,\"\r\t #x\xff\xc3\xa9-.@\n".to_vec()
                    ),
                    0..12,
                ),
                0..30,
            ),
            id_type in prop::sample::select(
                vec![IdType::String, IdType::Email, IdType::Phone, IdType::Uuid]
            ),
        ) {
            let input = rows.concat();
            let (fast, csv) = both(&input, id_type, false);
            prop_assert_eq!(fast, csv);
        }
    }
}
