package filesapi

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"payvand.dev/shared/testkit"
	"runtime"
	"testing"
)

// Thumbnail is thumbnail, for the tests of package filesapi_test.
var Thumbnail = thumbnail

// SolidPNG16 is a valid PNG of w×h 16-bit RGBA pixels of one colour,
// written row by row (png.Encode would need the 8·w·h bytes of an
// image.NRGBA64 first): 6300×6300 makes a file of a few hundred KB that
// decodes to 318 MB.
func SolidPNG16(w, h int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6 // bit depth, colour type RGBA
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, 1+8*w) // filter byte "none", then the pixels
	for x := 0; x < w; x++ {
		copy(row[1+8*x:], []byte{0x30, 0x00, 0x80, 0x00, 0xc0, 0x00, 0xff, 0xff})
	}
	for y := 0; y < h; y++ {
		z.Write(row)
	}
	z.Close()
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// BenchmarkRejectHugePNG: refusing the 475 KB PNG of 6300×6300 16-bit RGBA
// (318 MB decoded) costs a header read, not a decode. Besides the time it
// reports the bytes allocated per refusal and how far the refusals raised
// the process's peak resident memory (VmHWM).
func BenchmarkRejectHugePNG(b *testing.B) {
	raw := SolidPNG16(6300, 6300)
	b.ReportMetric(float64(len(raw)), "file-bytes")
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	hwm := testkit.PeakRSS()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := thumbnail(raw); err == nil {
			b.Fatal("accepted")
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N), "alloc-bytes/op")
	b.ReportMetric(float64(testkit.PeakRSS()-hwm), "peak-rss-growth-bytes")
}
