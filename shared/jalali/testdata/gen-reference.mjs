// Generates reference.csv.gz: one line "YYYY-MM-DD,YYYY/MM/DD" (Gregorian,Jalali)
// for every day from 1900-01-01 through 2122-03-20 (the last day of Jalali
// 1500), so it covers Gregorian 1900-2100 and all of Jalali 1300-1500.
//
// Reference: jalaali-js 2.0.1 (Borkowski's algorithm). Every day is also
// cross-checked against ICU's Persian calendar (Intl, ca-persian); the script
// aborts on any disagreement, so the file is what both agree on.
//
//   mkdir /tmp/jref && cd /tmp/jref && npm install jalaali-js@2.0.1
//   cp <repo>/shared/jalali/testdata/gen-reference.mjs . && node gen-reference.mjs
//   cp reference.csv.gz <repo>/shared/jalali/testdata/
import { toJalaali, toGregorian } from 'jalaali-js'
import { writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const icu = new Intl.DateTimeFormat('en-US-u-ca-persian-nu-latn', {
  timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric',
})
const pad = (n, w) => String(n).padStart(w, '0')

const start = Date.UTC(1900, 0, 1)
const end = Date.UTC(2122, 2, 20)
const lines = []
for (let t = start; t <= end; t += 86400000) {
  const d = new Date(t)
  const gy = d.getUTCFullYear(), gm = d.getUTCMonth() + 1, gd = d.getUTCDate()
  const j = toJalaali(gy, gm, gd)

  const p = Object.fromEntries(icu.formatToParts(d).map((x) => [x.type, x.value]))
  if (+p.year !== j.jy || +p.month !== j.jm || +p.day !== j.jd) {
    throw new Error(`jalaali-js and ICU disagree on ${gy}-${gm}-${gd}: ${JSON.stringify(j)} vs ${JSON.stringify(p)}`)
  }
  const g = toGregorian(j.jy, j.jm, j.jd)
  if (g.gy !== gy || g.gm !== gm || g.gd !== gd) {
    throw new Error(`jalaali-js round trip fails on ${gy}-${gm}-${gd}`)
  }
  lines.push(`${pad(gy, 4)}-${pad(gm, 2)}-${pad(gd, 2)},${pad(j.jy, 4)}/${pad(j.jm, 2)}/${pad(j.jd, 2)}`)
}
if (lines[lines.length - 1] !== '2122-03-20,1500/12/29' && lines[lines.length - 1] !== '2122-03-20,1500/12/30') {
  throw new Error(`unexpected last line ${lines[lines.length - 1]}`)
}
const csv = lines.join('\n') + '\n'
writeFileSync('reference.csv.gz', gzipSync(csv, { level: 9 }))
console.log(`${lines.length} days, ${lines[0]} .. ${lines[lines.length - 1]}, ${csv.length} bytes raw`)
