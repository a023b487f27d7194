package blob

import (
	"context"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"payvand.dev/shared/crm"
)

// Sniff decides a file's type from its first bytes, never from its name.
func Sniff(head []byte) string {
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i > 0 && !strings.HasPrefix(ct, "text/") {
		ct = ct[:i]
	}
	return ct
}

// CleanName is a file name as stored: its last path element, without
// control characters, at most 200 characters ("file" when nothing is left).
func CleanName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" || name == ".." {
		name = "file"
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}

// PendingUpload is a presigned PUT the client uploads a large file to.
type PendingUpload struct {
	ID        string    `json:"upload_id"`
	URL       string    `json:"upload_url"`
	Method    string    `json:"method"`
	ExpiresAt time.Time `json:"expires_at"`
	MaxBytes  int64     `json:"max_bytes"`
}

// presigner is the S3 client behind st, when it is S3.
func presigner(st Store) (*s3.PresignClient, *S3, bool) {
	b, ok := st.(*S3)
	if !ok || b.Client == nil {
		return nil, nil, false
	}
	return s3.NewPresignClient(b.Client), b, true
}

// CanPresign reports whether st hands out presigned URLs (S3).
func CanPresign(st Store) bool {
	_, _, ok := presigner(st)
	return ok
}

// PresignGet is a GET URL of key's bytes valid for ttl, answered with the
// content type and disposition given; "" when st cannot presign.
func PresignGet(ctx context.Context, st Store, key, contentType, disposition string, ttl time.Duration) (string, error) {
	p, b, ok := presigner(st)
	if !ok {
		return "", nil
	}
	req, err := p.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &b.Bucket, Key: &key, ResponseContentType: &contentType,
		ResponseContentDisposition: &disposition}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", crm.Wrap(err, "presign get")
	}
	return req.URL, nil
}

// PresignPut is a PUT URL for key valid for ttl (st must CanPresign).
func PresignPut(ctx context.Context, st Store, key string, ttl time.Duration) (string, error) {
	p, b, ok := presigner(st)
	if !ok {
		return "", crm.Errorf(crm.EVALIDATION, "this installation takes files through the API only")
	}
	req, err := p.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: &b.Bucket, Key: &key}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", crm.Wrap(err, "presign put")
	}
	return req.URL, nil
}

// Uploaded reads what a presigned PUT left at key: its first 512 bytes
// (to sniff) and its whole size, in one ranged GET (st must CanPresign).
func Uploaded(ctx context.Context, st Store, key string) (head []byte, size int64, err error) {
	_, b, ok := presigner(st)
	if !ok {
		return nil, 0, crm.Errorf(crm.ENOTFOUND, "no upload")
	}
	rng := "bytes=0-511"
	out, err := b.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.Bucket, Key: &key, Range: &rng})
	if err != nil {
		return nil, 0, err
	}
	defer out.Body.Close()
	head, _ = io.ReadAll(io.LimitReader(out.Body, 512))
	size = int64(len(head))
	// "bytes 0-511/123456": the whole object's size after the slash.
	if cr := aws.ToString(out.ContentRange); strings.Contains(cr, "/") {
		if n, err := strconv.ParseInt(cr[strings.LastIndexByte(cr, '/')+1:], 10, 64); err == nil {
			size = n
		}
	}
	return head, size, nil
}
