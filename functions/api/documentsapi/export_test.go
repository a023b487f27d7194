package documentsapi

import (
	"context"
	"time"

	"payvand.dev/shared/documents"
)

// SetNow moves the clock of share expiry; the returned func restores it.
func SetNow(f func() time.Time) func() {
	old := now
	now = f
	return func() { now = old }
}

// PresignedBytes answers a download as the Lambda does (Presign on).
func PresignedBytes(ctx context.Context, svc *documents.Service, doc *documents.Document, inline bool) (*DownloadOutput, error) {
	return Deps{Docs: svc, Presign: true}.bytesOf(ctx, doc, inline)
}
