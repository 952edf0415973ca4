package io.roomrouter.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MachineCpuTest {

    @Test
    void theBusyShareIsTheBusyTicksBetweenTwoReadingsOverAllTheirTicks() {
        MachineCpu before = new MachineCpu(1_000, 4_000);
        assertThat(new MachineCpu(1_150, 4_200).busyShareSince(before)).isCloseTo(0.75, within(1e-9));
        assertThat(before.busyShareSince(before)).isZero();
    }

    @Test
    void aReadingOfThisMachineCountsNoMoreBusyTicksThanTicks() throws Exception {
        MachineCpu now = MachineCpu.read();
        assertThat(now.totalTicks()).isPositive();
        assertThat(now.busyTicks()).isBetween(0L, now.totalTicks());
        assertThat(MachineCpu.read().busyShareSince(now)).isBetween(0.0, 1.0);
    }
}
