// Runs EPUBCheck on many EPUBs in one JVM, for the test suite (tests/epubcheck_batch.py).
//
//   java -XX:TieredStopAtLevel=1 -cp epubcheck.jar tests/EpubBatch.java
//
// reads one EPUB path per line on stdin and, for each, runs EPUBCheck's own command-line
// entry point with exactly the arguments the command line gets, `--failonwarnings --json -
// PATH`: the jar's Main-Class (com.adobe.epubcheck.tool.Checker) is
// `System.exit(new EpubChecker().run(args))`, and this runs `new EpubChecker().run(args)`,
// so the strictness, the report and the exit code are the command line's. What that run prints to stdout (the JSON report) and to stderr is
// captured and answered on the real stdout as one frame:
//
//   EPUBCHECK <exit code> <stdout bytes> <stderr bytes>\n<stdout><stderr>
//
// An empty line or the end of stdin ends the program.

import com.adobe.epubcheck.tool.EpubChecker;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

public class EpubBatch {
  public static void main(String[] args) throws Exception {
    OutputStream answer = new FileOutputStream(FileDescriptor.out);
    PrintStream realErr = System.err;
    BufferedReader requests =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String path;
    while ((path = requests.readLine()) != null && !path.isEmpty()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code;
      try {
        code = new EpubChecker().run(new String[] {"--failonwarnings", "--json", "-", path});
      } catch (Throwable exc) {
        exc.printStackTrace(System.err);
        code = 99;
      } finally {
        System.out.flush();
        System.err.flush();
        System.setErr(realErr);
      }
      byte[] o = out.toByteArray();
      byte[] e = err.toByteArray();
      String header = "EPUBCHECK " + code + " " + o.length + " " + e.length + "\n";
      answer.write(header.getBytes(StandardCharsets.US_ASCII));
      answer.write(o);
      answer.write(e);
      answer.flush();
    }
  }
}
