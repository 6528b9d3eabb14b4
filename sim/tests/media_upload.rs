//! Media uploads (spec/merchant/media) through the generated client against the simulator: a
//! picture and a video are sent as signed multipart requests (the signature over the `meta` JSON)
//! and answered with a media_id; a file of a type or size the spec refuses is stopped before
//! anything is sent.

use wechatpay_apiv3::UploadFile;
use wechatpay_apiv3::merchant::media::{UploadFileRequest, UploadVideoRequest};
use wechatpay_apiv3::runtime::Rule;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The smallest valid PNG: signature, IHDR (1x1), IDAT and IEND chunks.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

#[tokio::test]
async fn a_picture_and_a_video_are_uploaded_and_answered_with_a_media_id() -> TestResult {
    let (sim, client) = common::sim_and_client().await?;
    let picture = client
        .execute(
            UploadFileRequest::builder()
                .file(UploadFile::new("licence.png", PNG))
                .build()?,
        )
        .await?;
    assert!(!picture.media_id.is_empty());
    // An MP4 starts with an `ftyp` box; the simulator checks the signature and the sha256 of
    // the bytes, not the codec.
    let mut mp4 = vec![0x00, 0x00, 0x00, 0x18];
    mp4.extend_from_slice(b"ftypmp42\0\0\0\0mp42isom");
    let video = client
        .execute(
            UploadVideoRequest::builder()
                .file(UploadFile::new("store.MP4", mp4))
                .build()?,
        )
        .await?;
    assert!(!video.media_id.is_empty());
    assert_eq!(sim.faults().calls("merchant_media.upload_file"), 1);
    assert_eq!(sim.faults().calls("merchant_media.upload_video"), 1);
    Ok(())
}

#[test]
fn files_of_other_types_or_too_large_are_refused_before_sending() {
    let err = UploadFileRequest::builder()
        .file(UploadFile::new("scan.gif", vec![0; 8 * 1024 * 1024]))
        .build()
        .expect_err("a GIF over 7.5 MB");
    assert!(err.has(
        "file",
        &Rule::FileTooLarge {
            max: 7_864_320,
            actual: 8 * 1024 * 1024
        }
    ));
    assert!(err.has(
        "file",
        &Rule::FileType {
            allowed: &["jpg", "jpeg", "bmp", "png", "pdf"]
        }
    ));
    let err = UploadVideoRequest::builder()
        .file(UploadFile::new("clip.mp4", vec![0; 5 * 1024 * 1024 + 1]))
        .build()
        .expect_err("a video over 5 MB");
    assert!(err.has(
        "file",
        &Rule::FileTooLarge {
            max: 5_242_880,
            actual: 5 * 1024 * 1024 + 1
        }
    ));
    assert!(
        UploadVideoRequest::builder()
            .file(UploadFile::new("clip.webm", vec![1, 2, 3]))
            .build()
            .is_err()
    );
}
