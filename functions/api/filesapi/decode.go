package filesapi

import (
	"encoding/binary"
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

// decodedBytes estimates the memory image.Decode will take for raw, from
// its header alone: the pixel buffers the format's decoder allocates for
// the colour model cfg reports (and, for JPEG, the chroma subsampling and
// progressive coefficient buffers read from the frame header). perPixel is
// need / (width × height), used to name the limit in the image's terms.
func decodedBytes(raw []byte, cfg image.Config, format string) (need, perPixel float64) {
	pixels := float64(cfg.Width) * float64(cfg.Height)
	perPixel = 8 // an unknown model: as much as 16-bit RGBA
	switch format {
	case "jpeg":
		if pp, ok := jpegBytesPerPixel(raw); ok {
			perPixel = pp
		} else {
			switch cfg.ColorModel {
			case color.GrayModel:
				perPixel = 1
			case color.YCbCrModel:
				perPixel = 3
			}
		}
	case "webp":
		switch cfg.ColorModel {
		case color.YCbCrModel: // lossy: 4:2:0 planes
			perPixel = 1.5
		case color.NYCbCrAModel: // lossy with an alpha plane
			perPixel = 2.5
		default: // lossless: the ARGB words, then the NRGBA image
			perPixel = 8
		}
	default: // png, gif
		switch cfg.ColorModel {
		case color.GrayModel, color.AlphaModel:
			perPixel = 1
		case color.Gray16Model, color.Alpha16Model:
			perPixel = 2
		case color.RGBAModel, color.NRGBAModel:
			perPixel = 4
		case color.RGBA64Model, color.NRGBA64Model:
			perPixel = 8
		default:
			if _, ok := cfg.ColorModel.(color.Palette); ok {
				perPixel = 1
			}
		}
		// An interlaced (Adam7) PNG is decoded pass by pass next to the
		// whole image; the largest pass is half of it.
		if format == "png" && len(raw) > 28 && raw[28] == 1 {
			perPixel *= 1.5
		}
	}
	return pixels * perPixel, perPixel
}

// jpegBytesPerPixel reads the frame header (SOFn) of a JPEG: the planes of
// its components at their sampling factors, plus, for a progressive JPEG,
// the int32 coefficients image/jpeg keeps for every sample, plus the
// CMYK image a four-component JPEG is converted to.
func jpegBytesPerPixel(raw []byte) (float64, bool) {
	i := 2 // after SOI
	for i+4 <= len(raw) {
		if raw[i] != 0xff {
			return 0, false
		}
		marker := raw[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7) { // no length
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(raw[i+2:]))
		isSOF := marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc
		if !isSOF {
			i += 2 + n
			continue
		}
		seg := raw[i+4:]
		if len(seg) < 6 {
			return 0, false
		}
		nc := int(seg[5])
		if nc == 0 || len(seg) < 6+3*nc {
			return 0, false
		}
		hmax, vmax := 1, 1
		for c := 0; c < nc; c++ {
			hv := seg[6+3*c+1]
			hmax, vmax = max(hmax, int(hv>>4)), max(vmax, int(hv&15))
		}
		samples := 0.0 // per pixel
		for c := 0; c < nc; c++ {
			hv := seg[6+3*c+1]
			samples += float64(max(1, int(hv>>4))) / float64(hmax) * float64(max(1, int(hv&15))) / float64(vmax)
		}
		pp := samples
		if marker == 0xc2 || marker == 0xc6 || marker == 0xca || marker == 0xce {
			pp += 4 * samples // a [64]int32 block per 64 samples
		}
		if nc == 4 {
			pp += 4
		}
		return pp, true
	}
	return 0, false
}

// boxShrink returns the part r of src, averaged over boxes of whole
// pixels down to at most n×n (a copy when r is no larger). It reads src a
// band of rows at a time into a small RGBA buffer (image/draw's fast paths
// for the decoders' image types), so it costs one pass over the pixels and
// no more memory than a band and the result: the kernel that then scales
// to the avatar size works on at most n×n pixels, however large the upload.
func boxShrink(src image.Image, r image.Rectangle, n int) *image.RGBA {
	w, h := r.Dx(), r.Dy()
	ow, oh := min(w, n), min(h, n)
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	band := image.NewRGBA(image.Rect(0, 0, w, (h+oh-1)/oh))
	sums := make([]uint32, 4*ow)
	for oy := 0; oy < oh; oy++ {
		y0, y1 := oy*h/oh, (oy+1)*h/oh
		draw.Draw(band, image.Rect(0, 0, w, y1-y0), src, image.Pt(r.Min.X, r.Min.Y+y0), draw.Src)
		clear(sums)
		for sy := 0; sy < y1-y0; sy++ {
			row := band.Pix[sy*band.Stride:]
			for ox := 0; ox < ow; ox++ {
				s := sums[4*ox : 4*ox+4 : 4*ox+4]
				for x := ox * w / ow; x < (ox+1)*w/ow; x++ {
					p := row[4*x : 4*x+4 : 4*x+4]
					s[0] += uint32(p[0])
					s[1] += uint32(p[1])
					s[2] += uint32(p[2])
					s[3] += uint32(p[3])
				}
			}
		}
		dst := out.Pix[oy*out.Stride:]
		for ox := 0; ox < ow; ox++ {
			cnt := uint32(((ox+1)*w/ow - ox*w/ow) * (y1 - y0))
			for c := 0; c < 4; c++ {
				dst[4*ox+c] = uint8((sums[4*ox+c] + cnt/2) / cnt)
			}
		}
	}
	return out
}
