package dev.sluice.core.stream.channel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdleStrategyTest {

  @Test
  void aThreadIsLongIdleOnlyAfterItsSpinsYieldsAndParksAndWorkResetsIt() {
    IdleStrategy idle = new IdleStrategy(1_000); // parks of at most 1 us keep the test short
    int rounds = 0;
    while (!idle.longIdle()) {
      idle.idle(0);
      rounds++;
      assertThat(rounds).as("never long idle").isLessThan(1_000);
    }
    assertThat(rounds).as("spins, yields and parks before long idle").isGreaterThan(64 + 32);
    idle.idle(1);
    assertThat(idle.longIdle()).isFalse();
    idle.idle(0);
    assertThat(idle.longIdle()).isFalse();
    idle.reset();
    assertThat(idle.longIdle()).isFalse();
  }
}
