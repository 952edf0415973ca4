package io.roomrouter.agent;

import java.util.concurrent.CountDownLatch;

/** The command-line entry point, started by {@code bin/room-router}: {@code bin/room-router --help}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        AgentOptions options;
        try {
            options = AgentOptions.parse(System.getenv(), args);
        } catch (AgentOptions.HelpRequested help) {
            System.out.println(AgentOptions.HELP);
            return;
        } catch (OptionsException e) {
            System.err.println("room-router: " + e.getMessage());
            System.exit(2);
            return;
        }
        Agent agent;
        try {
            agent = Agent.start(options);
        } catch (OptionsException e) {
            System.err.println("room-router: " + e.getMessage());
            System.exit(2);
            return;
        } catch (Exception e) {
            System.err.println("room-router: cannot start: " + e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (docker stop, systemd, kill): a graceful stop, so that HAProxy sees the agent go before it is gone.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.stop();
            stopped.countDown();
        }, "room-router-shutdown"));
        stopped.await();
    }
}
