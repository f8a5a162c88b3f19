package io.github.airouter.routing;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;

/**
 * The model group a call of one mode names. A call that names no model goes to the default
 * model. So does a call that names the client library's placeholder model (Spring AI's
 * OpenAI options builders fill in {@code gpt-5-mini} or {@code text-embedding-ada-002} when
 * the caller set none), unless a group bears that name.
 *
 * @author airouter
 */
public final class GroupResolver {

	private final Router router;

	private final ModelMode mode;

	private final String defaultModel;

	private final String placeholderModel;

	/**
	 * Create a resolver.
	 * @param router the router whose groups calls name
	 * @param mode the mode of the calls
	 * @param defaultModel the model of calls that name none; must name a group of that mode
	 * @param placeholderModel the model name a client library fills in when the caller set
	 * none
	 * @throws UnknownModelException if the default model names no group of the mode
	 */
	public GroupResolver(Router router, ModelMode mode, String defaultModel, String placeholderModel) {
		this.router = router;
		this.mode = mode;
		this.defaultModel = router.group(defaultModel, mode).name();
		this.placeholderModel = placeholderModel;
	}

	/**
	 * The group of a call.
	 * @param requested the model the call names, or {@code null}
	 * @return the group
	 * @throws UnknownModelException if no group of the mode has that name
	 */
	public ModelGroup resolve(@Nullable String requested) {
		String model = requested;
		if (model == null || model.isBlank()
				|| (model.equals(this.placeholderModel) && this.router.findGroup(model, this.mode).isEmpty())) {
			model = this.defaultModel;
		}
		return this.router.group(model, this.mode);
	}

	/**
	 * The model of calls that name none.
	 * @return the default model's name
	 */
	public String defaultModel() {
		return this.defaultModel;
	}

}
