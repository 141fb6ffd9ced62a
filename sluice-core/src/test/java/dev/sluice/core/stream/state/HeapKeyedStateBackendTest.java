package dev.sluice.core.stream.state;

import java.util.function.LongSupplier;

class HeapKeyedStateBackendTest extends KeyedStateBackendContractTest {
  @Override
  protected KeyedStateBackend create(int maxKeyGroups, KeyGroupRange range, LongSupplier clock) {
    return new HeapKeyedStateBackend(maxKeyGroups, range, clock);
  }
}
