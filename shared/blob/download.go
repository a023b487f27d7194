package blob

import (
	"io"

	"payvand.dev/shared/crm"
)

// Download is what a download answers with: a presigned URL to redirect
// to when presign gives one (on AWS a Lambda answers at most 6 MB), else
// the file's bytes from open. presign may be nil.
func Download(presign func() (string, error), open func() (io.ReadCloser, error)) (location string, body []byte, err error) {
	if presign != nil {
		if location, err = presign(); err != nil || location != "" {
			return location, nil, err
		}
	}
	rc, err := open()
	if err != nil {
		return "", nil, err
	}
	defer rc.Close()
	if body, err = io.ReadAll(rc); err != nil {
		return "", nil, crm.Wrap(err, "read file")
	}
	return "", body, nil
}
