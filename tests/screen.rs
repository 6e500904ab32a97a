//! Screenshots from the X server's own framebuffer.
//!
//! The app renders without WebKit's accelerated compositing (it saves ~90 MB), and in that
//! mode WebKitWebDriver's screenshot command never answers. Xvfb (`-fbdir`, set up by
//! `scripts/desktop-session.sh`) keeps the screen in a file in XWD format, which is exactly what
//! a user would see; this crops the app's window out of it and encodes it as PNG.

use std::path::Path;

/// A window's place on the screen, in pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rect {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// The pixels of `rect` on the screen in the XWD file `screen`, as RGB.
pub(crate) fn grab(screen: &Path, rect: Rect) -> Result<Vec<u8>, String> {
    let xwd = std::fs::read(screen).map_err(|e| format!("{}: {e}", screen.display()))?;
    crop_xwd(&xwd, rect)
}

/// Whether every pixel is the same colour (a window not painted yet).
pub(crate) fn is_blank(rgb: &[u8]) -> bool {
    rgb.chunks_exact(3).all(|px| px == &rgb[..3])
}

/// `rgb` pixels of `rect`'s size as a PNG.
pub(crate) fn png(rgb: &[u8], rect: Rect) -> Result<Vec<u8>, String> {
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, rect.width, rect.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(rgb))
        .map_err(|e| format!("encoding the screenshot: {e}"))?;
    Ok(png)
}

/// Reads the big-endian 32-bit header field number `index` of an XWD file.
fn field(xwd: &[u8], index: usize) -> Result<u32, String> {
    xwd.get(index * 4..index * 4 + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| "the XWD header is cut short".to_string())
}

/// `rect` of a 24/32-bit TrueColor XWD image (what Xvfb's `-screen 0 WxHx24` writes), as RGB.
fn crop_xwd(xwd: &[u8], rect: Rect) -> Result<Vec<u8>, String> {
    // Field numbers from X11's XWDFile.h.
    let header_size = field(xwd, 0)? as usize;
    let (width, height) = (field(xwd, 4)?, field(xwd, 5)?);
    let lsb_first = field(xwd, 7)? == 0;
    let bits_per_pixel = field(xwd, 11)?;
    let bytes_per_line = field(xwd, 12)? as usize;
    let masks = (field(xwd, 14)?, field(xwd, 15)?, field(xwd, 16)?);
    let colours = field(xwd, 19)? as usize;
    if bits_per_pixel != 32 || masks != (0xff_0000, 0xff00, 0xff) {
        return Err(format!("unsupported XWD pixels: {bits_per_pixel} bits, masks {masks:x?}"));
    }
    let fits =
        |start: u32, len: u32, limit: u32| start.checked_add(len).is_some_and(|e| e <= limit);
    if !fits(rect.x, rect.width, width) || !fits(rect.y, rect.height, height) {
        return Err(format!("{rect:?} is outside the {width}x{height} screen"));
    }
    let pixels = header_size + colours * 12;
    let mut rgb = Vec::with_capacity((rect.width * rect.height * 3) as usize);
    for y in rect.y..rect.y + rect.height {
        let start = pixels + y as usize * bytes_per_line + rect.x as usize * 4;
        let row = xwd
            .get(start..start + rect.width as usize * 4)
            .ok_or_else(|| "the XWD pixels are cut short".to_string())?;
        for px in row.chunks_exact(4) {
            let value = if lsb_first {
                u32::from_le_bytes([px[0], px[1], px[2], px[3]])
            } else {
                u32::from_be_bytes([px[0], px[1], px[2], px[3]])
            };
            rgb.extend_from_slice(&[(value >> 16) as u8, (value >> 8) as u8, value as u8]);
        }
    }
    Ok(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3x2 XWD screen, least significant byte first, whose pixel (x, y) is red x, green y.
    fn screen() -> Vec<u8> {
        let mut header = [0u32; 25];
        header[0] = 100 + 4; // header and a 4-byte window name
        (header[4], header[5], header[7]) = (3, 2, 0);
        (header[11], header[12]) = (32, 3 * 4);
        (header[14], header[15], header[16]) = (0xff_0000, 0xff00, 0xff);
        header[19] = 1; // one colormap entry, to skip
        let mut xwd: Vec<u8> = header.iter().flat_map(|f| f.to_be_bytes()).collect();
        xwd.extend_from_slice(b"win\0");
        xwd.extend_from_slice(&[0; 12]);
        for y in 0..2u32 {
            for x in 0..3u32 {
                xwd.extend_from_slice(&((x << 16) | (y << 8) | 7).to_le_bytes());
            }
        }
        xwd
    }

    #[test]
    fn crops_the_window_and_orders_the_channels_rgb() {
        let rgb = crop_xwd(&screen(), Rect { x: 1, y: 1, width: 2, height: 1 }).unwrap();
        assert_eq!(rgb, [1, 1, 7, 2, 1, 7]);
    }

    #[test]
    fn one_colour_everywhere_is_blank() {
        assert!(is_blank(&[9, 9, 9, 9, 9, 9]));
        assert!(!is_blank(&[9, 9, 9, 9, 9, 8]));
    }

    #[test]
    fn a_window_off_the_screen_is_an_error() {
        let err = crop_xwd(&screen(), Rect { x: 2, y: 0, width: 2, height: 1 }).unwrap_err();
        assert!(err.contains("outside the 3x2 screen"), "{err}");
    }
}
