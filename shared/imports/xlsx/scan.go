package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"

	"payvand.dev/shared/imports"
)

// scanRows refuses, before excelize unzips anything, a workbook whose
// parts unzip to more than maxUnzipped or whose first sheet has more than
// imports.MaxScannedRows <row> elements. It reads the sheet's XML straight
// from the zip and stops decompressing at the bound, so a sheet of
// millions of empty rows costs the first hundred thousand of them: a few
// MB of XML scanned for "<row", not parsed.
func scanRows(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return imports.InvalidFile("not a readable XLSX workbook")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > maxUnzipped {
		return imports.InvalidFile(fmt.Sprintf("the workbook unzips to more than %d MB", maxUnzipped>>20))
	}
	sheets := []*zip.File{}
	if f := firstSheet(zr); f != nil {
		sheets = append(sheets, f)
	} else { // unusual names: bound every worksheet
		for _, f := range zr.File {
			if strings.HasPrefix(strings.ToLower(f.Name), "xl/worksheets/sheet") {
				sheets = append(sheets, f)
			}
		}
	}
	for _, f := range sheets {
		rc, err := f.Open()
		if err != nil {
			return imports.InvalidFile("not a readable XLSX workbook")
		}
		n, err := countRows(rc, imports.MaxScannedRows)
		rc.Close()
		if err != nil {
			return imports.InvalidFile("not a readable XLSX workbook")
		}
		if n > imports.MaxScannedRows {
			return imports.TooManyScannedRows()
		}
	}
	return nil
}

// countRows counts the <row> elements (with any namespace prefix) of a
// worksheet's XML, stopping once it has seen more than limit.
func countRows(r io.Reader, limit int) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	n := 0
	for {
		if _, err := br.ReadSlice('<'); err != nil {
			if err == bufio.ErrBufferFull {
				continue
			}
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
		name, _ := br.Peek(32) // short at the end of the stream
		end := 0
		for end < len(name) && isNameByte(name[end]) {
			end++
		}
		tag := name[:end]
		if i := bytes.LastIndexByte(tag, ':'); i >= 0 {
			tag = tag[i+1:]
		}
		if end < len(name) && string(tag) == "row" {
			if n++; n > limit {
				return n, nil
			}
		}
	}
}

func isNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == ':' || b == '_' || b == '-' || b == '.'
}

// firstSheet is the part of the workbook's first sheet (the one excelize's
// GetSheetList()[0] names): the first <sheet> of xl/workbook.xml, through
// its relationship in xl/_rels/workbook.xml.rels. nil when not found.
func firstSheet(zr *zip.Reader) *zip.File {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))] = f
	}
	var rid string
	find(files["xl/workbook.xml"], func(e xml.StartElement) bool {
		if e.Name.Local != "sheet" {
			return false
		}
		for _, a := range e.Attr {
			if a.Name.Local == "id" && strings.Contains(a.Name.Space, "relationships") {
				rid = a.Value
			}
		}
		return true
	})
	if rid == "" {
		return nil
	}
	var target string
	find(files["xl/_rels/workbook.xml.rels"], func(e xml.StartElement) bool {
		var id, t string
		for _, a := range e.Attr {
			switch a.Name.Local {
			case "Id":
				id = a.Value
			case "Target":
				t = a.Value
			}
		}
		if e.Name.Local == "Relationship" && id == rid {
			target = t
			return true
		}
		return false
	})
	if target == "" {
		return nil
	}
	if strings.HasPrefix(target, "/") {
		target = path.Clean(target[1:])
	} else {
		target = path.Join("xl", target)
	}
	return files[strings.ToLower(target)]
}

// find walks the start elements of a small XML part (its first MB) until
// match says it is done.
func find(f *zip.File, match func(xml.StartElement) bool) {
	if f == nil {
		return
	}
	rc, err := f.Open()
	if err != nil {
		return
	}
	defer rc.Close()
	d := xml.NewDecoder(io.LimitReader(rc, 1<<20))
	for {
		tok, err := d.Token()
		if err != nil {
			return
		}
		if e, ok := tok.(xml.StartElement); ok && match(e) {
			return
		}
	}
}
