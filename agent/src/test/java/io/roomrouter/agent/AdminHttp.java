package io.roomrouter.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Requests to a running agent's admin endpoint, over a real socket. */
final class AdminHttp {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private AdminHttp() {}

    /** {@code path} on {@code agent}'s admin endpoint. */
    static URI uri(Agent agent, String path) {
        InetSocketAddress admin = agent.adminAddress().orElseThrow();
        return URI.create("http://127.0.0.1:" + admin.getPort() + path);
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
