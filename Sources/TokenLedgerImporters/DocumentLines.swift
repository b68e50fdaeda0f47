/// The physical lines of a whole document (a `.document` file, a batch input file), numbered from 1,
/// without their terminators ("\n" or "\r\n"); a final newline does not make an extra empty line.
/// Cost: one pass over the bytes, no copies (each line is a view valid only during `body`).
enum DocumentLines {
    static func forEach(in document: UnsafeRawBufferPointer, _ body: (_ line: UnsafeRawBufferPointer, _ number: Int) -> Void) {
        var start = 0
        var number = 0
        while start < document.count {
            number += 1
            let end = document[start...].firstIndex(of: 0x0A) ?? document.count
            var lineEnd = end
            if lineEnd > start && document[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            body(UnsafeRawBufferPointer(rebasing: document[start..<lineEnd]), number)
            start = end + 1
        }
    }
}
