package io.github.airouter.usage;

import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage-store contract on {@link InMemoryUsageStore}, and what only it offers.
 */
class InMemoryUsageStoreTests extends UsageStoreContractTests {

	@Override
	protected UsageStore createStore(Clock clock, RandomGenerator random) {
		return new InMemoryUsageStore(clock, random);
	}

	@Test
	void aRecordedCallCountsAsSettledUsage() {
		Deployment a = Deployment.of("a", "gpt-4o", new Limits(2L, null));
		ModelGroup group = new ModelGroup("gpt-4o", RoutingStrategy.USAGE_BASED, List.of(a));
		((InMemoryUsageStore) this.store).record(a, 50);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 50, 0));
		assertThat(this.store.admit(group, 1, Set.of()).isAdmitted()).isTrue();
		assertThat(this.store.admit(group, 1, Set.of()).isAdmitted()).isFalse();
	}

	@Test
	void withoutARandomSourceEachThreadUsesItsOwn() {
		InMemoryUsageStore store = new InMemoryUsageStore();
		ModelGroup group = new ModelGroup("gpt-4o", RoutingStrategy.SIMPLE_SHUFFLE,
				List.of(Deployment.of("a", "gpt-4o", Limits.UNLIMITED), Deployment.of("b", "gpt-4o", Limits.UNLIMITED)));
		assertThat(store.admit(group, 1, Set.of()).isAdmitted()).isTrue();
		assertThat(store.name()).isEqualTo("memory");
	}

}
