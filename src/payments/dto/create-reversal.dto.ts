import { ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { IntegerFromString, IsMinorUnits } from '../../common/validation';

export class CreateReversalDto {
  /**
   * Default (left out): everything not yet reversed. `null` is refused, not read as "everything": a
   * client that sends a null amount by mistake must not reverse the whole transfer.
   */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'Minor units; left out: everything not yet reversed. `null` is a 400 naming `amount`.',
  })
  @ValidateIf((dto: CreateReversalDto) => dto.amount !== undefined)
  @IntegerFromString()
  @IsMinorUnits()
  amount?: number;
}
