//! Ledger's HID framing: how an APDU travels in 64-byte HID reports.
//!
//! Every report starts with a 5-byte header: the channel (`0x0101`, big-endian), the tag
//! `0x05` and a big-endian sequence index counting from 0. The first report then carries the
//! APDU's length (2 bytes, big-endian). The APDU's bytes follow and the last report is padded
//! with zeros. Answers come back framed the same way.

/// The size of one HID report, without the report id byte hidapi wants in front on writes.
pub const REPORT_SIZE: usize = 64;
/// The channel Ledger devices use for APDUs.
pub const CHANNEL: u16 = 0x0101;
/// The tag of APDU reports.
pub const TAG_APDU: u8 = 0x05;

const HEADER: usize = 5;

/// A report that does not follow the framing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// The report is shorter than its header.
    #[error("a HID report of {0} bytes is too short for Ledger's framing")]
    Short(usize),
    /// The report is for another channel.
    #[error("a HID report on channel {0:#06x} (expected {CHANNEL:#06x})")]
    WrongChannel(u16),
    /// The report has another tag than APDU.
    #[error("a HID report with tag {0:#04x} (expected {TAG_APDU:#04x})")]
    WrongTag(u8),
    /// A report is missing or repeated.
    #[error("HID report {got} arrived where report {expected} was expected")]
    OutOfSequence {
        /// The index expected next.
        expected: u16,
        /// The index received.
        got: u16,
    },
    /// The APDU is longer than the framing can carry (65,535 bytes).
    #[error("an APDU of {0} bytes is longer than Ledger's HID framing allows")]
    TooLong(usize),
}

/// Splits `apdu` into the reports that carry it on `channel`.
pub fn packetize(channel: u16, apdu: &[u8]) -> Result<Vec<[u8; REPORT_SIZE]>, FramingError> {
    let length = u16::try_from(apdu.len()).map_err(|_| FramingError::TooLong(apdu.len()))?;
    // The length prefix travels as part of the payload of the first report.
    let mut payload = Vec::with_capacity(apdu.len() + 2);
    payload.extend_from_slice(&length.to_be_bytes());
    payload.extend_from_slice(apdu);
    Ok(payload
        .chunks(REPORT_SIZE - HEADER)
        .enumerate()
        .map(|(sequence, chunk)| {
            let mut report = [0u8; REPORT_SIZE];
            report[..2].copy_from_slice(&channel.to_be_bytes());
            report[2] = TAG_APDU;
            // At most 65,537 bytes in 59-byte chunks: the index fits in a u16.
            report[3..5].copy_from_slice(&(sequence as u16).to_be_bytes());
            report[HEADER..HEADER + chunk.len()].copy_from_slice(chunk);
            report
        })
        .collect())
}

/// Puts an answer back together from the reports it arrives in, checking every header.
#[derive(Debug)]
pub struct Reassembler {
    channel: u16,
    next: u16,
    expected: Option<usize>,
    buffer: Vec<u8>,
}

impl Reassembler {
    /// Waits for an answer on `channel`.
    pub fn new(channel: u16) -> Self {
        Self { channel, next: 0, expected: None, buffer: Vec::new() }
    }

    /// Takes the next report; returns the whole answer once its last report is in.
    pub fn push(&mut self, report: &[u8]) -> Result<Option<Vec<u8>>, FramingError> {
        let first = self.next == 0;
        if report.len() < HEADER + if first { 2 } else { 0 } {
            return Err(FramingError::Short(report.len()));
        }
        let channel = u16::from_be_bytes([report[0], report[1]]);
        if channel != self.channel {
            return Err(FramingError::WrongChannel(channel));
        }
        if report[2] != TAG_APDU {
            return Err(FramingError::WrongTag(report[2]));
        }
        let sequence = u16::from_be_bytes([report[3], report[4]]);
        if sequence != self.next {
            return Err(FramingError::OutOfSequence { expected: self.next, got: sequence });
        }
        let mut data = &report[HEADER..];
        let expected = match self.expected {
            Some(n) => n,
            None => {
                let n = usize::from(u16::from_be_bytes([data[0], data[1]]));
                data = &data[2..];
                self.expected = Some(n);
                self.buffer.reserve(n);
                n
            }
        };
        let take = data.len().min(expected - self.buffer.len());
        self.buffer.extend_from_slice(&data[..take]);
        self.next = self.next.wrapping_add(1);
        Ok((self.buffer.len() == expected).then(|| std::mem::take(&mut self.buffer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reassemble(reports: &[[u8; REPORT_SIZE]]) -> Result<Option<Vec<u8>>, FramingError> {
        let mut r = Reassembler::new(CHANNEL);
        let mut out = None;
        for report in reports {
            assert!(out.is_none(), "an answer was complete before its last report");
            out = r.push(report)?;
        }
        Ok(out)
    }

    #[test]
    fn the_first_report_matches_the_documented_layout() {
        // GET APP CONFIGURATION of the Ethereum app: E0 06 00 00 00.
        let reports = packetize(CHANNEL, &[0xE0, 0x06, 0x00, 0x00, 0x00]).unwrap();
        assert_eq!(reports.len(), 1);
        let mut want = [0u8; REPORT_SIZE];
        want[..12].copy_from_slice(&[
            0x01, 0x01, 0x05, 0x00, 0x00, 0x00, 0x05, 0xE0, 0x06, 0x00, 0x00, 0x00,
        ]);
        assert_eq!(reports[0], want);
    }

    #[test]
    fn round_trips_every_boundary_length() {
        // 57 bytes fill the first report exactly; each later report takes 59.
        for len in [0usize, 1, 56, 57, 58, 116, 117, 255, 300, 1000, 65_535] {
            let apdu: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let reports = packetize(CHANNEL, &apdu).unwrap();
            let want_reports = if len <= 57 { 1 } else { 1 + (len - 57).div_ceil(59) };
            assert_eq!(reports.len(), want_reports, "{len} bytes");
            for (i, r) in reports.iter().enumerate() {
                assert_eq!(u16::from_be_bytes([r[3], r[4]]), i as u16);
            }
            assert_eq!(reassemble(&reports).unwrap().unwrap(), apdu, "{len} bytes");
        }
        assert_eq!(packetize(CHANNEL, &vec![0; 65_536]), Err(FramingError::TooLong(65_536)));
    }

    #[test]
    fn rejects_reports_out_of_sequence_on_other_channels_or_short() {
        let apdu = vec![0xAB; 200];
        let reports = packetize(CHANNEL, &apdu).unwrap();
        // A report skipped.
        let mut r = Reassembler::new(CHANNEL);
        r.push(&reports[0]).unwrap();
        assert_eq!(r.push(&reports[2]), Err(FramingError::OutOfSequence { expected: 1, got: 2 }));
        // A report repeated.
        let mut r = Reassembler::new(CHANNEL);
        r.push(&reports[0]).unwrap();
        assert_eq!(r.push(&reports[0]), Err(FramingError::OutOfSequence { expected: 1, got: 0 }));
        // Another channel and another tag.
        let mut other = reports[0];
        other[1] = 0x02;
        assert_eq!(Reassembler::new(CHANNEL).push(&other), Err(FramingError::WrongChannel(0x0102)));
        let mut tagged = reports[0];
        tagged[2] = 0x02;
        assert_eq!(Reassembler::new(CHANNEL).push(&tagged), Err(FramingError::WrongTag(0x02)));
        // Too short for a header, or for the first report's length.
        assert_eq!(Reassembler::new(CHANNEL).push(&reports[0][..4]), Err(FramingError::Short(4)));
        assert_eq!(Reassembler::new(CHANNEL).push(&reports[0][..6]), Err(FramingError::Short(6)));
    }

    #[test]
    fn short_reports_after_the_first_still_count_and_padding_is_ignored() {
        // Some HID stacks drop the zero padding of the last report.
        let apdu: Vec<u8> = (0..70u8).collect();
        let reports = packetize(CHANNEL, &apdu).unwrap();
        let mut r = Reassembler::new(CHANNEL);
        assert_eq!(r.push(&reports[0]).unwrap(), None);
        let tail = &reports[1][..HEADER + 13];
        assert_eq!(r.push(tail).unwrap(), Some(apdu));
    }
}
