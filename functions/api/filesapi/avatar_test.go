package filesapi_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"payvand.dev/functions/internal/apitest"
)

func upload(t *testing.T, e *apitest.Env, token, field, name string, data []byte) *http.Response {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile(field, name)
	part.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", e.Server.URL+"/api/profile/avatar", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func pngOf(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestAvatarUploadThumbnailAndServe(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	resp := upload(t, e, ceo, "avatar", "me.png", pngOf(800, 400))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "/api/uploads/avatars/alpha/") {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	me := e.Do("GET", "/api/profile", ceo, nil).Data()
	url := me["avatar"].(string)
	got, err := http.Get(e.Server.URL + url) // public
	if err != nil || got.StatusCode != 200 || got.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("serve: %v %v", got, err)
	}
	img, err := jpeg.Decode(got.Body)
	if err != nil || img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Fatalf("thumbnail: %v %v", img.Bounds(), err)
	}
	if u := e.Do("GET", "/api/tenant/usage", ceo, nil).Data(); u["storage_used"].(float64) <= 0 {
		t.Fatalf("storage not counted: %v", u)
	}
	// The bytes decide, not the name; documents are never public.
	if r := upload(t, e, ceo, "avatar", "evil.png", []byte("<?php echo 1; ?>")); r.StatusCode != 422 {
		t.Fatalf("text as image: %d", r.StatusCode)
	}
	if r := upload(t, e, ceo, "file", "alias.png", pngOf(10, 10)); r.StatusCode != 200 {
		t.Fatalf("file alias: %d", r.StatusCode)
	}
	if r, _ := http.Get(e.Server.URL + "/api/uploads/documents/alpha/secret.pdf"); r.StatusCode != 404 {
		t.Fatalf("non-avatar upload served: %d", r.StatusCode)
	}
	if r := upload(t, e, "", "avatar", "me.png", pngOf(10, 10)); r.StatusCode != 401 {
		t.Fatalf("anonymous upload: %d", r.StatusCode)
	}
	big := bytes.Repeat([]byte{0}, 6<<20)
	if r := upload(t, e, ceo, "avatar", "big.png", big); r.StatusCode != 413 {
		t.Fatalf("oversized: %d", r.StatusCode)
	}
}

func TestUploadRateLimit(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("beta")
	img := pngOf(20, 20)
	codes := []int{}
	for i := 0; i < 11; i++ {
		r := upload(t, e, ceo, "avatar", "a.png", img)
		codes = append(codes, r.StatusCode)
		if i == 10 && r.Header.Get("Retry-After") == "" {
			b, _ := io.ReadAll(r.Body)
			t.Fatalf("11th upload: %d %v %s", r.StatusCode, r.Header, b)
		}
	}
	if codes[9] != 200 || codes[10] != 429 {
		t.Fatalf("codes = %v", codes)
	}
}
