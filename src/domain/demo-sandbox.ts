/**
 * The demo sandbox: the /demo page signs tokens for a few demo readers that any visitor may use, so demo readers
 * and demo photos are kept apart from real ones, both ways. Pure: no I/O.
 */

/** Site id of the demo's signed readers: their reader ids are `demo:<name>`. */
export const DEMO_SITE_ID = 'demo';
/** Uploader id of the demo's photos. */
export const DEMO_UPLOADER = 'demo-site';

/**
 * True when this reporter may report an image of this uploader: demo readers report the demo's own photos only,
 * never a real upload.
 */
export function demoReaderMayReport(reporterId: string, uploaderId: string): boolean {
  return !reporterId.startsWith(`${DEMO_SITE_ID}:`) || uploaderId === DEMO_UPLOADER;
}

/** True when reports on a copy uploaded by `copyUploaderId` count toward an image of `uploaderId`: never across the sandbox. */
export function countsAcrossCopies(uploaderId: string, copyUploaderId: string): boolean {
  return (uploaderId === DEMO_UPLOADER) === (copyUploaderId === DEMO_UPLOADER);
}

/**
 * The guard network of a demo reader: each demo reader stands for a different person on a different network,
 * although every visitor of /demo reports from one browser. Returns the label to hash, or null for other readers.
 */
export function demoReaderNetworkLabel(reporterId: string): string | null {
  return reporterId.startsWith(`${DEMO_SITE_ID}:`) ? `demo-reader:${reporterId}` : null;
}
