package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.embedding.RoutingEmbeddingModel;
import io.github.airouter.routing.RoutedMetadata;
import io.github.airouter.testsupport.FakeProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A routed response says in its metadata which deployment and model answered it and how many
 * attempts it took; its usage is the provider's.
 */
class RoutedMetadataWireTests {

	private final FakeProvider provider = new FakeProvider().usage(11, 7);

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	private ApplicationContextRunner runner() {
		List<String> properties = new ArrayList<>();
		String[][] entries = { { "a", "gpt-4o", "chat", "1" }, { "b", "gpt-4o", "chat", "2" },
				{ "e", "text-embedding-3-small", "embedding", "1" } };
		for (int i = 0; i < entries.length; i++) {
			String entry = "router.model-list[" + i + "].";
			properties.add(entry + "model-name=" + entries[i][1]);
			properties.add(entry + "params.model=azure/" + entries[i][0]);
			properties.add(entry + "params.api-base=" + this.provider.url());
			properties.add(entry + "params.api-key=sk-test-key-" + i);
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + "model-info.id=" + entries[i][0]);
			properties.add(entry + "model-info.mode=" + entries[i][2]);
			properties.add(entry + "order=" + entries[i][3]);
		}
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class,
					org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration.class))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	@Test
	void aRetriedCallSaysWhichDeploymentAnsweredAfterHowManyAttempts() {
		this.provider.enqueue("/openai/deployments/a", FakeProvider.error(500, "server_error", null, "boom"));
		runner().run((context) -> {
			ChatResponse response = context.getBean(ChatClient.Builder.class)
				.build()
				.prompt("Hello")
				.call()
				.chatResponse();
			assertThat((String) response.getMetadata().get(RoutedMetadata.DEPLOYMENT)).isEqualTo("b");
			assertThat((String) response.getMetadata().get(RoutedMetadata.MODEL)).isEqualTo("gpt-4o");
			assertThat((Integer) response.getMetadata().get(RoutedMetadata.ATTEMPTS)).isEqualTo(2);
			assertThat(response.getMetadata().getUsage().getTotalTokens()).isEqualTo(18);
		});
	}

	@Test
	void everyStreamedChunkSaysWhereItCameFrom() {
		runner().run((context) -> {
			List<ChatResponse> chunks = context.getBean(RoutingChatModel.class)
				.stream(new Prompt("Hello", ChatOptions.builder().model("gpt-4o").build()))
				.collectList()
				.block(Duration.ofSeconds(30));
			assertThat(chunks).isNotEmpty()
				.allSatisfy((chunk) -> assertThat((String) chunk.getMetadata().get(RoutedMetadata.DEPLOYMENT))
					.isEqualTo("a"));
		});
	}

	@Test
	void anEmbeddingSaysWhichDeploymentAnswered() {
		runner().run((context) -> {
			EmbeddingResponse response = context.getBean(RoutingEmbeddingModel.class)
				.call(new EmbeddingRequest(List.of("one", "two"), null));
			assertThat((String) response.getMetadata().get(RoutedMetadata.DEPLOYMENT)).isEqualTo("e");
			assertThat((Integer) response.getMetadata().get(RoutedMetadata.ATTEMPTS)).isEqualTo(1);
			assertThat(response.getResults()).hasSize(2);
		});
	}

}
