//! Every object key Berth uses, defined here and nowhere else:
//!
//! - `blobs/<algorithm>/<first two hex>/<hex>`: committed blobs and manifests
//! - `uploads/<uuid>/<chunk index, 10 digits>`: chunks of an upload session

use berth_types::Digest;
use object_store::path::Path;

pub fn blob(digest: &Digest) -> Path {
    let hex = digest.hex();
    Path::from(format!(
        "blobs/{}/{}/{}",
        digest.algorithm().as_str(),
        &hex[..2],
        hex
    ))
}

pub fn upload_prefix(upload: uuid::Uuid) -> Path {
    Path::from(format!("uploads/{upload}"))
}

/// Zero-padded so listing order is chunk order.
pub fn upload_chunk(upload: uuid::Uuid, index: u32) -> Path {
    Path::from(format!("uploads/{upload}/{index:010}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_keys_fan_out_by_the_first_two_hex_digits() {
        let digest: Digest = format!("sha256:{}", "ab".repeat(32)).parse().unwrap();
        assert_eq!(
            blob(&digest).as_ref(),
            format!("blobs/sha256/ab/{}", "ab".repeat(32))
        );
        let upload = uuid::Uuid::nil();
        assert_eq!(
            upload_chunk(upload, 7).as_ref(),
            format!("uploads/{upload}/0000000007")
        );
    }
}
