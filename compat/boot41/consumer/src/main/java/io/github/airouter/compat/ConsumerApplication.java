package io.github.airouter.compat;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An application that depends on the starter and nothing of the router's besides:
 * its {@code application.yml} lists the deployments, Spring AI's beans do the rest.
 */
@SpringBootApplication
public class ConsumerApplication {

	/**
	 * Start the application.
	 * @param args the command line
	 */
	public static void main(String[] args) {
		SpringApplication.run(ConsumerApplication.class, args);
	}

}
