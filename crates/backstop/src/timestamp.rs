//! RFC 3339 timestamps of error envelopes, written by hand (a leaf module: the serde profiles and the
//! fast canonical encoder both use it).

use time::OffsetDateTime;

/// Formats a timestamp as RFC 3339 UTC with milliseconds: `2026-11-22T10:15:30.123Z`.
///
/// Hand-written rather than `time`'s formatter: it runs on every error response, and writing 24 fixed
/// bytes is several times cheaper than interpreting a format description.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let buf = timestamp_bytes(t);
    String::from_utf8_lossy(&buf).into_owned()
}

pub(crate) fn timestamp_bytes(t: OffsetDateTime) -> [u8; 24] {
    thread_local! {
        /// The last second formatted on this thread, and its bytes: errors come in bursts, and
        /// within one second only the milliseconds change.
        static LAST: std::cell::Cell<(i64, [u8; 24])> = const { std::cell::Cell::new((i64::MIN, [0; 24])) };
    }
    let second = t.unix_timestamp();
    let millis = t.millisecond() as u32;
    LAST.with(|last| {
        let (cached, mut b) = last.get();
        if cached != second {
            b = format_timestamp_bytes(t);
            last.set((second, b));
        }
        put(&mut b[20..23], millis, 3);
        b
    })
}

fn format_timestamp_bytes(t: OffsetDateTime) -> [u8; 24] {
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut b = *b"0000-00-00T00:00:00.000Z";
    let year = t.year().clamp(0, 9999) as u32;
    put(&mut b[0..4], year, 4);
    put(&mut b[5..7], u8::from(t.month()) as u32, 2);
    put(&mut b[8..10], t.day() as u32, 2);
    put(&mut b[11..13], t.hour() as u32, 2);
    put(&mut b[14..16], t.minute() as u32, 2);
    put(&mut b[17..19], t.second() as u32, 2);
    put(&mut b[20..23], t.millisecond() as u32, 3);
    b
}

fn put(dst: &mut [u8], mut v: u32, width: usize) {
    for i in (0..width).rev() {
        dst[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
}
