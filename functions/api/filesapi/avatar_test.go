package filesapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"payvand.dev/functions/api/filesapi"
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

// halves is a w×h image whose left half is red and right half blue.
func halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func jpegOf(img image.Image) []byte {
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	return b.Bytes()
}

// problemFields reads the errors member of a problem.
func problemFields(t *testing.T, r *http.Response) map[string]any {
	t.Helper()
	var p struct {
		Errors map[string]any `json:"errors"`
	}
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p.Errors
}

// TestHugeImageIsRefusedBeforeDecoding: a few hundred KB of PNG that
// decodes to 318 MB (6300×6300, 16-bit RGBA) was decoded and scaled (2 to
// 11 s, +350 MB on a 512 MB function); it is refused from its header with
// a 422 on avatar that names the dimensions and the largest allowed.
// Ordinary photos still become avatars, centre-cropped.
func TestHugeImageIsRefusedBeforeDecoding(t *testing.T) {
	e := apitest.New(t)
	ceo := e.CEO("alpha")
	huge := filesapi.SolidPNG16(6300, 6300)
	if len(huge) > 1<<20 {
		t.Fatalf("the test PNG is %d bytes", len(huge))
	}
	r := upload(t, e, ceo, "avatar", "huge.png", huge)
	if r.StatusCode != 422 {
		t.Fatalf("huge PNG: %d", r.StatusCode)
	}
	msg := fmt.Sprint(problemFields(t, r)["avatar"])
	for _, want := range []string{"dimensions are too large", "6300×6300", "3.1 megapixels", "1773×1773"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if me := e.Do("GET", "/api/profile", ceo, nil).Data(); me["avatar"] != nil && me["avatar"] != "" {
		t.Fatalf("avatar set by a refused upload: %v", me["avatar"])
	}

	var png1000 bytes.Buffer
	png.Encode(&png1000, halves(1000, 800))
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"photo.jpg", jpegOf(halves(1000, 800))},
		{"photo.png", png1000.Bytes()},
		// A 12-megapixel phone photo (4:2:0, 18 MB decoded) is within the budget.
		{"phone.jpg", jpegOf(halves(4032, 3024))},
	} {
		r := upload(t, e, ceo, "avatar", c.name, c.data)
		body, _ := io.ReadAll(r.Body)
		if r.StatusCode != 200 {
			t.Fatalf("%s: %d %s", c.name, r.StatusCode, body)
		}
		url := e.Do("GET", "/api/profile", ceo, nil).Data()["avatar"].(string)
		got, err := http.Get(e.Server.URL + url)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(got.Body)
		got.Body.Close()
		if err != nil || img.Bounds() != image.Rect(0, 0, 256, 256) {
			t.Fatalf("%s: thumbnail %v %v", c.name, img, err)
		}
		// The centre square of a red|blue picture: red left, blue right.
		left, right := color.RGBAModel.Convert(img.At(40, 128)).(color.RGBA), color.RGBAModel.Convert(img.At(215, 128)).(color.RGBA)
		if left.R < 180 || left.B > 60 || right.B < 180 || right.R > 60 {
			t.Errorf("%s: left %v right %v", c.name, left, right)
		}
	}
}
