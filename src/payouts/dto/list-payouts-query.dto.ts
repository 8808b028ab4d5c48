import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQueryDto } from '../../payments/dto/list-query.dto';

export class ListPayoutsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'Only payouts from this account.' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  account?: string;
}
