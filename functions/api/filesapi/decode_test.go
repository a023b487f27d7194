package filesapi

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"
)

// TestDecodedBytesEstimate: the estimate from the header is what decoding
// then allocates, within a third, for the image types of each format.
func TestDecodedBytesEstimate(t *testing.T) {
	const w, h = 800, 600
	r := image.Rect(0, 0, w, h)
	enc := func(f func(*bytes.Buffer) error) []byte {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	noisy := func(img interface{ Set(int, int, color.Color) }) {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 3), uint8(x ^ y), uint8(128 + x%100)})
			}
		}
	}
	rgba, nrgba, nrgba64, gray := image.NewRGBA(r), image.NewNRGBA(r), image.NewNRGBA64(r), image.NewGray(r)
	noisy(rgba)
	noisy(nrgba)
	noisy(nrgba64)
	noisy(gray)
	opaque := image.NewRGBA(r)
	for i := range opaque.Pix {
		opaque.Pix[i] = uint8(i) | 3
	}
	pal := image.NewPaletted(r, []color.Color{color.Black, color.White})
	for _, c := range []struct {
		name     string
		raw      []byte
		perPixel float64
	}{
		{"png rgba (8-bit truecolour, opaque)", enc(func(b *bytes.Buffer) error { return png.Encode(b, opaque) }), 4},
		{"png nrgba", enc(func(b *bytes.Buffer) error { return png.Encode(b, nrgba) }), 4},
		{"png nrgba64", enc(func(b *bytes.Buffer) error { return png.Encode(b, nrgba64) }), 8},
		{"png gray", enc(func(b *bytes.Buffer) error { return png.Encode(b, gray) }), 1},
		{"png paletted", enc(func(b *bytes.Buffer) error { return png.Encode(b, pal) }), 1},
		{"gif", enc(func(b *bytes.Buffer) error { return gif.Encode(b, pal, nil) }), 1},
		{"jpeg 4:2:0", enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, rgba, nil) }), 1.5},
		{"jpeg gray", enc(func(b *bytes.Buffer) error { return jpeg.Encode(b, gray, nil) }), 1},
	} {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(c.raw))
		if err != nil {
			t.Fatal(c.name, err)
		}
		need, perPixel := decodedBytes(c.raw, cfg, format)
		if perPixel != c.perPixel {
			t.Errorf("%s: %v bytes per pixel, want %v", c.name, perPixel, c.perPixel)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, _, err := image.Decode(bytes.NewReader(c.raw)); err != nil {
			t.Fatal(c.name, err)
		}
		runtime.ReadMemStats(&after)
		used := float64(after.TotalAlloc - before.TotalAlloc)
		if used > need*4/3 || used < need*3/4 {
			t.Errorf("%s: estimated %.0f bytes, decoding allocated %.0f", c.name, need, used)
		}
	}
}
