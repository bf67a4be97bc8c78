// Placeholder replaced by the S3 test-server setup (fauxqs on 127.0.0.1).
export default async function setup(): Promise<void> {}
