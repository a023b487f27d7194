// Package filesapi is the files route group: avatar uploads and the
// public avatar files. It is its own Lambda so that only it links the S3
// client and the image codecs.
package filesapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/gif" // decoders of the accepted formats
	"image/jpeg"
	_ "image/png"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"payvand.dev/shared/auth"
	"payvand.dev/shared/blob"
	"payvand.dev/shared/crm"
	"payvand.dev/shared/httpapi"
	"payvand.dev/shared/store"
	"payvand.dev/shared/tenancy"
	"payvand.dev/shared/users"
)

// Avatar limits.
const (
	MaxAvatarBytes = 5 << 20
	// MaxDecodedBytes bounds the memory the decoder takes for one image:
	// width × height × the bytes per pixel of its colour model (see
	// decodedBytes), checked from the header before anything is decoded.
	// The file's size says nothing about it: a 309 KB PNG of 6300×6300
	// 16-bit RGBA decodes to 318 MB, and scaling it took 10.9 s on the
	// 512 MB function. 24 MB still takes a 12-megapixel phone photo (a 4:2:0
	// JPEG of 4032×3024 decodes to 18 MB) and an 8-bit RGBA PNG of up to
	// 2500×2500.
	MaxDecodedBytes = 24 << 20
	AvatarSize      = 256
	uploadsPrefix   = "/api/uploads/"
)

var avatarTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// AvatarInput is a multipart upload with the image in "avatar" (or "file").
type AvatarInput struct {
	RawBody huma.MultipartFormFiles[struct {
		Avatar huma.FormFile `form:"avatar" required:"false" doc:"JPEG, PNG, GIF or WebP, at most 5 MB (the bytes decide the type, not the declared one)"`
		File   huma.FormFile `form:"file" required:"false" doc:"Alias of avatar"`
	}]
}

func invalidImage(msg string) error {
	return &crm.Error{Code: crm.EVALIDATION, Message: "the given data was invalid", Fields: map[string][]string{"avatar": {msg}}}
}

// thumbnail checks an upload and returns a square JPEG of AvatarSize.
func thumbnail(raw []byte) ([]byte, error) {
	if len(raw) > MaxAvatarBytes {
		return nil, &crm.Error{Code: crm.ETOOLARGE, Message: "the image is larger than 5 MB"}
	}
	// The declared type is not trusted: the bytes decide.
	if !avatarTypes[http.DetectContentType(raw)] {
		return nil, invalidImage("must be a JPEG, PNG, GIF or WebP image")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, invalidImage("the image cannot be read")
	}
	if need, perPixel := decodedBytes(raw, cfg, format); need > MaxDecodedBytes {
		side := int(math.Sqrt(MaxDecodedBytes / perPixel))
		return nil, invalidImage(fmt.Sprintf("the image's dimensions are too large (%d×%d); an image like this one may have at most %.1f megapixels, e.g. %d×%d",
			cfg.Width, cfg.Height, float64(MaxDecodedBytes)/perPixel/1e6, side, side))
	}
	src, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, invalidImage("the image cannot be read")
	}
	// Centre square crop, then scale.
	b := src.Bounds()
	side := min(b.Dx(), b.Dy())
	crop := image.Rect(b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2, 0, 0)
	crop.Max = crop.Min.Add(image.Pt(side, side))
	// A box filter takes a large image down to at most twice the avatar's
	// side in one cheap pass; CatmullRom finishes on that small image.
	small := boxShrink(src, crop, 2*AvatarSize)
	dst := image.NewRGBA(image.Rect(0, 0, AvatarSize, AvatarSize))
	draw.CatmullRom.Scale(dst, dst.Bounds(), small, small.Bounds(), draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 85}); err != nil {
		return nil, crm.Wrap(err, "encode avatar")
	}
	return out.Bytes(), nil
}

// StorageKey is the tenant's counter of stored bytes.
func StorageKey() store.Key { return store.Key{PK: "COUNTER#STORAGE", SK: "STATS"} }

// Deps are what the file routes use.
type Deps struct {
	Control *tenancy.ControlPlane
	Blob    blob.Store
}

func (d Deps) me(ctx context.Context) (*users.User, store.Table, error) {
	table, err := d.Control.TenantTable(ctx)
	if err != nil {
		return nil, nil, err
	}
	u, err := (users.Repo{}).Get(ctx, table, auth.PrincipalFrom(ctx).Subject)
	return u, table, err
}

func (d Deps) setAvatar(ctx context.Context, in *AvatarInput) (string, error) {
	if d.Blob == nil {
		return "", crm.Errorf(crm.EINTERNAL, "no file store")
	}
	form := in.RawBody.Data()
	f := form.Avatar
	if !f.IsSet {
		f = form.File
	}
	if !f.IsSet {
		return "", invalidImage("send the image in the avatar field")
	}
	raw, err := io.ReadAll(io.LimitReader(f, MaxAvatarBytes+1))
	if err != nil {
		return "", crm.Wrap(err, "read upload")
	}
	thumb, err := thumbnail(raw)
	if err != nil {
		return "", err
	}
	u, table, err := d.me(ctx)
	if err != nil {
		return "", err
	}
	p := auth.PrincipalFrom(ctx)
	sum := sha256.Sum256(thumb)
	key := "avatars/" + p.TenantKey + "/" + u.ID + "/" + hex.EncodeToString(sum[:8]) + ".jpg"
	if err := d.Blob.Put(ctx, key, "image/jpeg", thumb); err != nil {
		return "", err
	}
	old := strings.TrimPrefix(u.Avatar, uploadsPrefix)
	u.Avatar = uploadsPrefix + key
	if err := (users.Repo{}).Save(ctx, table, u, ""); err != nil {
		return "", err
	}
	delta := int64(len(thumb))
	if old != "" && old != key {
		if _, _, size, err := d.Blob.Get(ctx, old); err == nil {
			delta -= size
		}
		d.Blob.Delete(ctx, old)
	}
	if _, err := table.Update(ctx, store.Update{Key: StorageKey(), Add: map[string]int64{"bytes": delta}}); err != nil {
		slog.ErrorContext(ctx, "storage counter", "err", err)
	}
	return u.Avatar, nil
}

// Register mounts the file routes.
func Register(s *httpapi.Server, d Deps) {
	type out struct {
		AvatarURL string `json:"avatar_url"`
	}
	httpapi.Register(s, httpapi.Route{Method: http.MethodPost, Path: "/api/profile/avatar", ID: "profile-avatar", Tags: []string{"Profile"},
		Realm: httpapi.TenantUsers, RateClass: "upload", MaxBodySize: MaxAvatarBytes + 64<<10,
		Summary: "Upload your avatar (JPEG, PNG, GIF or WebP, ≤ 5 MB); stored as a 256×256 JPEG"},
		func(ctx context.Context, in *AvatarInput) (*httpapi.Body[out], error) {
			url, err := d.setAvatar(ctx, in)
			if err != nil {
				return nil, err
			}
			return httpapi.OK(out{AvatarURL: url}, "avatar updated"), nil
		})
	// Avatars are public (their keys carry a content hash); nothing else
	// under /api/uploads is served.
	s.Mux.HandleFunc("GET /api/uploads/{path...}", func(w http.ResponseWriter, r *http.Request) {
		key := r.PathValue("path")
		ctx := r.Context()
		if !strings.HasPrefix(key, "avatars/") || strings.Contains(key, "..") || d.Blob == nil {
			httpapi.WriteProblem(w, httpapi.NewProblem(ctx, http.StatusNotFound, httpapi.Tc(ctx, "route-not-found")))
			return
		}
		body, ct, size, err := d.Blob.Get(ctx, key)
		if err != nil {
			httpapi.WriteProblem(w, httpapi.FromError(ctx, err))
			return
		}
		defer body.Close()
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if size > 0 {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		io.Copy(w, body)
	})
}
