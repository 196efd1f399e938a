"""PDF seeds for the attachment fuzz target (tools/make_fuzz_seeds.py): small files written by
hand, each taking poppler down another path of its reader (xref tables and streams, object
streams, filters, fonts and their encodings, CMaps, encryption, incremental updates, a
missing xref to reconstruct). Standard library only. Each PDF has a text layer."""
import base64
import hashlib
import zlib


def _obj(num, body):
    return b"%d 0 obj\n" % num + body + b"\nendobj\n"


def stream(data, extra=b""):
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def flate(data, extra=b""):
    return stream(zlib.compress(data), b" /Filter /FlateDecode" + extra)


def assemble(objects, version=b"1.4", trailer=b"", xref=True, start=1):
    """objects: bodies numbered from `start`; a classic xref table (or none at all)."""
    out = b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, body in enumerate(objects, start):
        offsets.append(len(out))
        out += _obj(i, body)
    size = start + len(objects)
    if not xref:
        return out + b"trailer\n<< /Size %d /Root 1 0 R%s >>\n%%%%EOF\n" % (size, trailer)
    at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n%d %d\n" % (start, len(objects))
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, at)
    return out


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def one_page(content, fonts=b"/F1 5 0 R", extra_objects=(), page_extra=b"", **kw):
    objects = [CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
               b" /Resources << /Font << " + fonts + b" >> >>" + page_extra + b" >>",
               content, HELVETICA, *extra_objects]
    return assemble(objects, **kw)


def text_operators():
    """Every text operator, strings in each syntax, FlateDecode."""
    ops = (b"BT /F1 12 Tf 14 TL 72 720 Td (Plain \\(escaped\\) \\101\\102 \\\n joined) Tj T*"
           b" [(Ker) -120 (ning) 250 (!)] TJ 0.5 Tc 2 Tw 90 Tz 3 Ts 0 Tr (quote) '"
           b" 1 2 (dquote) \" <48656C6C6F20686578> Tj 1 0 0 1 72 600 Tm /F2 10 Tf"
           b" (\\344\\366\\374 WinAnsi) Tj /F3 9 Tf (abc) Tj ET"
           b" q 1 0 0 1 10 10 cm 0 0 50 50 re S Q")
    fonts = b"/F1 5 0 R /F2 6 0 R /F3 7 0 R"
    extra = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>",
             b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding << /Type /Encoding"
             b" /BaseEncoding /MacRomanEncoding /Differences [97 /eacute /germandbls /Euro] >> >>"]
    return one_page(flate(ops), fonts, extra,
                    trailer=b" /Info << /Title (Operators) /Producer <FEFF0063006F0069006C> >>")


def page_tree():
    """A nested page tree, inherited resources and media box, a rotated page, content as an
    array of streams, a form XObject with text, an annotation."""
    form = stream(b"BT /F1 8 Tf 0 0 Td (In a form XObject) Tj ET",
                  b" /Type /XObject /Subtype /Form /BBox [0 0 200 50]"
                  b" /Resources << /Font << /F1 9 0 R >> >>")
    objects = [
        CATALOG,
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 3 /MediaBox [0 0 300 300]"
        b" /Resources << /Font << /F1 9 0 R >> /XObject << /X1 10 0 R >> >> >>",
        b"<< /Type /Page /Parent 2 0 R /Contents [5 0 R 6 0 R] /Rotate 90"
        b" /Annots [<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (note) >>] >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [7 0 R 8 0 R] /Count 2 >>",
        stream(b"BT /F1 12 Tf 10 250 Td (Page one, first stream) Tj"),
        stream(b"( and the second) Tj ET /X1 Do"),
        b"<< /Type /Page /Parent 4 0 R /Contents 11 0 R /CropBox [10 10 290 290] >>",
        b"<< /Type /Page /Parent 4 0 R /Contents 12 0 R /UserUnit 2 >>",
        HELVETICA,
        form,
        stream(b"BT /F1 12 Tf 10 250 Td (Page two) Tj ET"),
        stream(b"BT /F1 12 Tf 10 250 Td (Page three) Tj ET"),
    ]
    return assemble(objects, trailer=b" /Info << /Title (Pages) /Author <FEFF00E9> >>")


def object_streams():
    """PDF 1.5: the catalog, pages and font in a compressed object stream, a compressed xref
    stream (with a PNG predictor) instead of an xref table."""
    inner = [(1, CATALOG), (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"), (5, HELVETICA),
             (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
                 b" /Resources << /Font << /F1 5 0 R >> >> >>")]
    header, body = b"", b""
    for num, data in inner:
        header += b"%d %d " % (num, len(body))
        body += data + b"\n"
    out = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
    off4 = len(out)
    out += _obj(4, flate(b"BT /F1 12 Tf 72 720 Td (From an object stream) Tj ET"))
    off6 = len(out)
    out += _obj(6, flate(header + body, b" /Type /ObjStm /N %d /First %d" % (len(inner), len(header))))
    off7 = len(out)
    # xref stream rows: type (1 byte), field 2 (4 bytes), field 3 (2 bytes)
    rows = {0: (0, 0, 65535), 4: (1, off4, 0), 6: (1, off6, 0), 7: (1, off7, 0)}
    for i, (num, _) in enumerate(inner):
        rows[num] = (2, 6, i)
    raw = b""
    prev = bytes(7)
    for num in range(8):
        t, f2, f3 = rows[num]
        row = bytes([t]) + f2.to_bytes(4, "big") + f3.to_bytes(2, "big")
        # PNG "Up" predictor (the /Predictor 12 rows of most writers)
        raw += b"\x02" + bytes((a - b) & 0xFF for a, b in zip(row, prev))
        prev = row
    out += _obj(7, flate(raw, b" /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R"
                              b" /DecodeParms << /Predictor 12 /Columns 7 >>"))
    return out + b"startxref\n%d\n%%%%EOF\n" % off7


def cid_font():
    """A Type0 font (Identity-H, two-byte codes) whose text comes from a ToUnicode CMap."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            b"2 beginbfchar <0001> <03B1> <0002> <D83DDE00> endbfchar\n"
            b"1 beginbfrange <0010> <0015> <0041> endbfrange\n"
            b"1 beginbfrange <0020> <0021> [<4E2D> <6587>] endbfrange\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end")
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /Embedded /Encoding /Identity-H"
            b" /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>")
    cidfont = (b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Embedded /CIDToGIDMap /Identity"
               b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
               b" /FontDescriptor 8 0 R /DW 1000 /W [1 [500 600] 16 21 550] >>")
    descriptor = (b"<< /Type /FontDescriptor /FontName /Embedded /Flags 4 /FontBBox [0 0 1000 1000]"
                  b" /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>")
    content = stream(b"BT /F1 12 Tf 72 720 Td <000100020010001100120020002100FF> Tj ET")
    objects = [CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
               b" /Resources << /Font << /F1 5 0 R >> >> >>",
               content, font, cidfont, flate(cmap), descriptor]
    return assemble(objects)


def type3_font():
    """A Type3 font: glyphs drawn by content streams, names mapped by /Differences."""
    font = (b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 10 10] /FontMatrix [0.1 0 0 0.1 0 0]"
            b" /CharProcs << /a 6 0 R /b 6 0 R >> /Encoding << /Type /Encoding"
            b" /Differences [65 /a /b] >> /FirstChar 65 /LastChar 66 /Widths [10 10] >>")
    glyph = stream(b"10 0 0 0 10 10 d1 0 0 10 10 re f")
    objects = [CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
               b" /Resources << /Font << /F1 5 0 R >> >> >>",
               stream(b"BT /F1 24 Tf 72 720 Td (ABBA) Tj ET"), font, glyph]
    return assemble(objects)


def filters():
    """A content stream through a chain of filters: ASCIIHex, ASCII85, RunLength, Flate."""
    text = b"BT /F1 12 Tf 72 720 Td (Through four filters) Tj ET"
    run = b"".join(bytes([len(text[i:i + 16]) - 1]) + text[i:i + 16]
                   for i in range(0, len(text), 16)) + b"\x80"
    a85 = base64.a85encode(zlib.compress(run)) + b"~>"
    hexed = a85.hex().upper().encode() + b">"
    content = stream(hexed, b" /Filter [/ASCIIHexDecode /ASCII85Decode /FlateDecode"
                            b" /RunLengthDecode]")
    return one_page(content)


def _rc4(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) & 0xFF])
    return bytes(out)


PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def encrypted_rc4():
    """Standard security handler, revision 2 (RC4, 40 bits), an empty user password: poppler
    opens it without asking and decrypts the content stream and the title string."""
    doc_id = hashlib.md5(b"coil fuzz seed").digest()
    perms = -44
    owner_key = hashlib.md5((b"owner" + PAD)[:32]).digest()[:5]
    o_entry = _rc4(owner_key, PAD)
    key = hashlib.md5(PAD + o_entry + perms.to_bytes(4, "little", signed=True) + doc_id).digest()[:5]
    u_entry = _rc4(key, PAD)

    def obj_key(num):
        return hashlib.md5(key + num.to_bytes(3, "little") + b"\0\0").digest()[:10]

    content = _rc4(obj_key(4), b"BT /F1 12 Tf 72 720 Td (Decrypted with RC4) Tj ET")
    title = _rc4(obj_key(6), b"Secret title")
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /Length 40 /O <%s> /U <%s> /P %d >>" % (
        o_entry.hex().encode(), u_entry.hex().encode(), perms)
    trailer = b" /Encrypt 7 0 R /Info 6 0 R /ID [<%s> <%s>]" % (doc_id.hex().encode(),
                                                               doc_id.hex().encode())
    return one_page(stream(content), extra_objects=[b"<< /Title <%s> >>" % title.hex().encode(),
                                                    encrypt], trailer=trailer)


def incremental_update():
    """A second revision appended: a new content stream, an xref section with /Prev."""
    first = one_page(stream(b"BT /F1 12 Tf 72 720 Td (First revision) Tj ET"))
    prev = int(first.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    off = len(first)
    update = _obj(4, stream(b"BT /F1 12 Tf 72 720 Td (Second revision) Tj ET"))
    at = off + len(update)
    update += b"xref\n0 1\n0000000000 65535 f \n4 1\n%010d 00000 n \n" % off
    update += b"trailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (prev, at)
    return first + update


def no_xref():
    """No xref table and no startxref: poppler rebuilds the table by scanning for objects."""
    return one_page(stream(b"BT /F1 12 Tf 72 720 Td (Found by reconstruction) Tj ET"), xref=False)


def seeds():
    """name -> PDF bytes."""
    return {"pdf_text_operators": text_operators(), "pdf_page_tree": page_tree(),
            "pdf_object_streams": object_streams(), "pdf_cid_font": cid_font(),
            "pdf_type3_font": type3_font(), "pdf_filters": filters(),
            "pdf_encrypted_rc4": encrypted_rc4(), "pdf_incremental": incremental_update(),
            "pdf_no_xref": no_xref()}
