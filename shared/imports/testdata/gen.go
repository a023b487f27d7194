//go:build ignore

// gen writes the encoded CSV files of this directory with the encoders of
// golang.org/x/text (the tests check them against the same references):
//
//	cd shared/imports && go run testdata/gen.go
package main

import (
	"math/rand/v2"
	"os"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// The texts, in UTF-8; the tests hold the same.
const (
	// Excel in western Europe saves "CSV" in Windows-1252, with semicolons.
	Windows1252Text = "Name;Email;City\r\n" +
		"Muñoz Straße Ødegård;munoz@example.com;København\r\n" +
		"François Lefèvre;francois@example.fr;Besançon\r\n" +
		"Zoë Ångström;zoe@example.se;Malmö\r\n" +
		"José Núñez – Café «Élite»;jose@example.co;Bogotá\r\n"
	// Excel's "Unicode Text": UTF-16 LE with a BOM, tab-separated.
	UTF16Text = "Name\tEmail\tMobile\tCity\r\n" +
		"سارا احمدی\tsara@example.ir\t09121112233\tتهران\r\n" +
		"Ødegård AS\tpost@odegard.no\t\tKøbenhavn\r\n" +
		"شرکت‌های پارس ☕\tinfo@pars.ir\t09351234567\tشیراز\r\n"
	// Persian Excel saves "CSV" in Windows-1256, which has the Persian
	// letters پ چ ژ گ ک and ZWNJ but only the Arabic yeh: the file holds
	// ي where the text has ی (Windows1256Source is what is encoded).
	Windows1256Text = "نام,ایمیل,تلفن همراه,شهر\r\n" +
		"پژوهشگران چابک,info@chabok.ir,09121234567,تبریز\r\n" +
		"گلاره کاظمی,golareh@example.ir,09351112233,کرج\r\n" +
		"شرکت‌های ژیان,zhian@example.ir,,اصفهان\r\n"
)

func write(name string, e encoding.Encoding, text string) {
	b, err := e.NewEncoder().Bytes([]byte(text))
	if err != nil {
		panic(name + ": " + err.Error())
	}
	if err := os.WriteFile("testdata/"+name, b, 0o644); err != nil {
		panic(err)
	}
}

func main() {
	write("customers_windows1252.csv", charmap.Windows1252, Windows1252Text)
	write("customers_utf16le_bom.txt", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), UTF16Text)
	write("customers_windows1256_fa.csv", charmap.Windows1256, strings.ReplaceAll(Windows1256Text, "ی", "ي"))
	// Not text in any encoding the import reads: words of random bytes
	// ≥ 0x80 (seeded, so the file is always the same).
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("name,email,city\r\n")
	for row := 0; row < 20; row++ {
		for col := 0; col < 3; col++ {
			if col > 0 {
				b.WriteByte(',')
			}
			for w := 0; w < 2; w++ {
				if w > 0 {
					b.WriteByte(' ')
				}
				for n := 3 + r.IntN(6); n > 0; n-- {
					b.WriteByte(byte(0x80 + r.IntN(0x80)))
				}
			}
		}
		b.WriteString("\r\n")
	}
	if err := os.WriteFile("testdata/unreadable.csv", []byte(b.String()), 0o644); err != nil {
		panic(err)
	}
}
