package io.roomrouter.kit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;

/**
 * One line of a text protocol on a socket (a RESP reply, an HTTP response head), read a byte at a time so that what
 * follows it stays in the stream for the caller; the line ends at LF, and a CR before it is dropped.
 */
public final class WireLine {

    private WireLine() {
    }

    /** The next line, without its end; {@code where} names the part being read when the peer closes mid-line. */
    public static String read(InputStream in, Charset charset, String where) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("connection closed in " + where + " after '" + line.toString(charset) + "'");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(charset);
    }
}
